package v1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupVersion is the API group and version of AgentJob.
var GroupVersion = schema.GroupVersion{Group: "ea.erulabs.ai", Version: "v1"}

// Resource is the plural resource name, as used in URLs and RBAC rules.
const Resource = "agentjobs"

// GroupVersionResource names AgentJobs for dynamic clients and informers.
var GroupVersionResource = GroupVersion.WithResource(Resource)

// AddToScheme registers AgentJob and AgentJobList with a scheme.
func AddToScheme(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion, &AgentJob{}, &AgentJobList{})
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
