//go:build !race

package handlers

// poisonBodies: recycled request bodies are left as they are.
const poisonBodies = false
