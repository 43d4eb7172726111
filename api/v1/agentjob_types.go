package v1

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// AgentJob is one execution of an AI agent. The platform's job operator writes spec and
// status.state/message/nodes; this service writes only status.conditions and status.userRecord.
//
// Validation is deliberately loose: the CRD must accept every object the platform's previous CRD
// accepted, so only spec.user is required (and immutable, because the owner's document holds the entry).
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=aj,scope=Namespaced
// +kubebuilder:printcolumn:name="AgentID",type=string,JSONPath=`.spec.agentID`
// +kubebuilder:printcolumn:name="User",type=string,JSONPath=`.spec.user`
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.status.state`
// +kubebuilder:printcolumn:name="Synced",type=string,JSONPath=`.status.conditions[?(@.type=="UserRecordSynced")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type AgentJob struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec   AgentJobSpec   `json:"spec"`
	Status AgentJobStatus `json:"status,omitempty"`
}

// AgentJobSpec describes the agent workflow to run and who owns it.
type AgentJobSpec struct {
	// AgentID identifies the agent that executes the job.
	// +optional
	AgentID string `json:"agentID,omitempty"`
	// Name is the human-readable job name.
	// +optional
	Name string `json:"name,omitempty"`
	// User is the owner's UUID: the `id` of the owner's document in ainuUsers.users.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.user is immutable"
	User string `json:"user"`
	// Creator is the UUID of the user who created the agent.
	// +optional
	Creator string `json:"creator,omitempty"`
	// Nodes is the workflow definition.
	// +optional
	Nodes []WorkflowNode `json:"nodes,omitempty"`
	// Edges are the workflow's dependencies between node aliases.
	// +optional
	Edges []WorkflowEdge `json:"edges,omitempty"`
	// Metadata carries the platform's own timestamps (date-time strings; not format-checked so that
	// every value the previous CRD accepted is still accepted).
	// +optional
	Metadata *JobMetadata `json:"metadata,omitempty"`
}

// WorkflowNode is one step of the agent workflow.
type WorkflowNode struct {
	// +optional
	Alias string `json:"alias,omitempty"`
	// +optional
	Type string `json:"type,omitempty"`
	// Parameters is a free-form object interpreted by the node's type.
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	Parameters *runtime.RawExtension `json:"parameters,omitempty"`
}

// WorkflowEdge connects node aliases.
type WorkflowEdge struct {
	// +optional
	From []string `json:"from,omitempty"`
	// +optional
	To []string `json:"to,omitempty"`
}

// JobMetadata is the platform's bookkeeping about the job definition.
type JobMetadata struct {
	// +optional
	CreatedAt string `json:"created_at,omitempty"`
	// +optional
	UpdatedAt string `json:"updated_at,omitempty"`
}

// AgentJobStatus is written by the job operator (state, message, nodes) and by this service
// (conditions, userRecord), each through the status subresource under its own field manager.
type AgentJobStatus struct {
	// State is the job's lifecycle state as the job operator writes it (any case): empty or
	// New, inactive/Pending, executing/Executing, completed/Complete, error/Error.
	// +optional
	State string `json:"state,omitempty"`
	// Message is the job operator's human-readable detail.
	// +optional
	Message string `json:"message,omitempty"`
	// Nodes is the per-node progress written by the job operator.
	// +optional
	Nodes []NodeStatus `json:"nodes,omitempty"`
	// Conditions are this service's observations; UserRecordSynced tells whether the owner's
	// document holds the job's current state.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// UserRecord is what this service durably remembers about the job's entry in the owner's document.
	// +optional
	UserRecord *UserRecordStatus `json:"userRecord,omitempty"`
}

// NodeStatus is the progress of one workflow node.
type NodeStatus struct {
	// +optional
	Alias string `json:"alias,omitempty"`
	// +optional
	Status string `json:"status,omitempty"`
	// Output is whatever the node produced (any JSON value).
	// +optional
	Output *apiextensionsv1.JSON `json:"output,omitempty"`
	// LastUpdated is when the node last changed (RFC 3339); per node the newer value wins.
	// +optional
	LastUpdated string `json:"lastUpdated,omitempty"`
}

// UserRecordStatus is kept on the resource rather than in the user document, so that an entry the
// owner removed on purpose is never re-created, even after restarts.
type UserRecordStatus struct {
	// EntryCreated is true once this service has inserted the job's entry into the owner's jobs array.
	// +optional
	EntryCreated bool `json:"entryCreated,omitempty"`
	// SyncedState is the last state persisted to the entry (New, Pending, Executing, Complete, Error).
	// +optional
	SyncedState string `json:"syncedState,omitempty"`
	// EntryRemoved is true once the entry was found missing after creation: the owner removed it.
	// +optional
	EntryRemoved bool `json:"entryRemoved,omitempty"`
}

// AgentJobList is a list of AgentJobs.
//
// +kubebuilder:object:root=true
type AgentJobList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []AgentJob `json:"items"`
}
