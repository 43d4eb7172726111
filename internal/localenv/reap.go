package localenv

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// reapOrphans kills kube-apiserver and etcd processes started from bin that lost their parent: a
// test binary that panicked or was killed never ran its teardown, and envtest cannot tie its
// children's lives to ours. Only orphans (parent pid 1) of this repository's binaries are touched.
func reapOrphans(bin string) int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	targets := map[string]bool{filepath.Join(bin, "kube-apiserver"): true, filepath.Join(bin, "etcd"): true}
	killed := 0
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		if !targets[string(bytes.SplitN(cmdline, []byte{0}, 2)[0])] || parentPID(e.Name()) != 1 {
			continue
		}
		if syscall.Kill(pid, syscall.SIGKILL) == nil {
			killed++
		}
	}
	return killed
}

func parentPID(pid string) int {
	stat, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
	if err != nil {
		return 0
	}
	// The command name in parentheses may contain spaces; fields after it are fixed.
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(fields[1])
	return ppid
}
