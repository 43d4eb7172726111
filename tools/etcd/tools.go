//go:build tools

// Package etcd only records the etcd server main package as a dependency.
package etcd

import _ "go.etcd.io/etcd/server/v3"
