//go:build tools

// Package tools pins the Pulumi CLI's main package so that go.mod and go.sum record every module the engine build
// needs. It is never compiled: the build tag keeps it out, while `go mod tidy` still sees the import.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
