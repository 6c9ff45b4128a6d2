// Package minimaltest is the smallest useful Go integration test against
// evolvestack: emulator.Start runs the emulator in the test process on a
// free loopback port, and the real aws-sdk-go-v2 clients talk to it.
// Copy minimal_test.go into your own repository and replace the body with
// calls to your code.
package minimaltest
