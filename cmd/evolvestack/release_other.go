//go:build !linux

package main

// releaseStartupPages does nothing outside Linux.
func releaseStartupPages() (int, error) { return 0, nil }
