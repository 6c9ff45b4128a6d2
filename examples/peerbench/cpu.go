package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// processCPU returns the CPU time process pid (0: this one) has used, from
// /proc: the sum of its threads' run times. It reports false where /proc
// does not tell (not Linux, or the process is gone).
func processCPU(pid int) (time.Duration, bool) {
	dir := "/proc/self"
	if pid > 0 {
		dir = "/proc/" + strconv.Itoa(pid)
	}
	tasks, err := filepath.Glob(dir + "/task/*/schedstat")
	if err != nil || len(tasks) == 0 {
		return 0, false
	}
	var sum time.Duration
	for _, f := range tasks {
		data, err := os.ReadFile(f)
		if err != nil {
			continue // a thread that exited: its time is lost
		}
		fields := strings.Fields(string(data))
		if len(fields) == 0 {
			continue
		}
		if n, err := strconv.ParseInt(fields[0], 10, 64); err == nil {
			sum += time.Duration(n)
		}
	}
	return sum, true
}
