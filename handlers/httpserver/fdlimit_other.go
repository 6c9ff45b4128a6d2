//go:build !unix

package httpserver

func fdLimit() uint64 { return 0 }
