//go:build tools

// Package tools pins fabric-ca v1.5.21 so that `go build -o` can produce
// fabric-ca-server and fabric-ca-client (cgo) from the module cache.
package tools

import (
	_ "github.com/hyperledger/fabric-ca/cmd/fabric-ca-client"
	_ "github.com/hyperledger/fabric-ca/cmd/fabric-ca-server"
)
