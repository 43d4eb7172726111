// Carries the page the user asked for through the login form, and says when the last attempt failed.
(function () {
  const query = new URLSearchParams(window.location.search);
  const back = query.get('returnUrl');
  // The browser kept the fragment of the page asked for (e.g. /dashboard/sync#uid=…) across the redirect to this page;
  // carry it on, since the form post would drop it.
  document.getElementById('returnUrl').value = (back || '/dashboard/') + window.location.hash;
  if (query.get('failed')) document.getElementById('failed').classList.remove('hidden');
})();
