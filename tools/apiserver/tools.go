//go:build tools

// Package apiserver only records the kube-apiserver main package as a dependency.
package apiserver

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
