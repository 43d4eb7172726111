// Package v1 holds the AgentJob custom resource (group ea.erulabs.ai, version v1): the contract the
// platform's job operator writes and this service reads. The CRD in k8s/crd is generated from it.
//
// +kubebuilder:object:generate=true
// +groupName=ea.erulabs.ai
package v1
