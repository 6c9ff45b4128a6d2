//go:build !unix

package persist

import "os"

// lockDir opens the lock file; other systems get no cross-process lock.
func lockDir(p string) (*os.File, error) {
	return os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o644)
}

func unlockDir(f *os.File) {
	if f != nil {
		_ = f.Close()
	}
}
