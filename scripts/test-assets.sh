# Sourced by the scripts that run the test binaries: where the real components are, in the harness's order
# (tests/TestHarness/TestAssets.cs): $AGENTJOB_TEST_ASSETS, else ../shared/test-assets next to the repository, else
# .build/test-assets (the official releases `make deps` downloaded). Run from the repository root.

# The assets folder, or nothing when none is given or found.
assets_root() {
	if [ -n "${AGENTJOB_TEST_ASSETS:-}" ]; then
		echo "$AGENTJOB_TEST_ASSETS"
	elif [ -d ../shared/test-assets ]; then
		(cd ../shared/test-assets && pwd)
	elif [ -d .build/test-assets ]; then
		echo "$(pwd)/.build/test-assets"
	fi
}

# The folder holding the plain binaries (kube-apiserver, kubectl, etcd, helm, toxiproxy-*): what a packed folder's
# install.sh prints, or the folder itself.
assets_bin() {
	local root
	root="$(assets_root)"
	[ -n "$root" ] || { echo "no test assets: run make deps (downloads the official releases) or set AGENTJOB_TEST_ASSETS" >&2; return 1; }
	if [ -x "$root/install.sh" ]; then "$root/install.sh" | tail -n 1; else echo "$root"; fi
}
