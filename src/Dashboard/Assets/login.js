// Carries the page the user asked for through the login form, and says when the last attempt failed.
(function () {
  const query = new URLSearchParams(window.location.search);
  const back = query.get('returnUrl');
  if (back) document.getElementById('returnUrl').value = back;
  if (query.get('failed')) document.getElementById('failed').classList.remove('hidden');
})();
