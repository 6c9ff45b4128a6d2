//go:build race

package handlers

// poisonBodies: under the race detector, recycled request bodies are
// overwritten, so that tests catch a decoder that kept a reference to one.
const poisonBodies = true
