//go:build tools

// Package tools pins gofakes3's command, the local S3-compatible server the shared state backend is tested against,
// so that go.mod and go.sum record every module its build needs. It is never compiled: the build tag keeps it out,
// while `go mod tidy` still sees the import.
package tools

import _ "github.com/johannesboyne/gofakes3/cmd/gofakes3"
