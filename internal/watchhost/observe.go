package watchhost

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	grainsv1 "github.com/erulabs/agentjob-sync/api/grains/v1"
	agentjobv1 "github.com/erulabs/agentjob-sync/api/v1"
)

// observation turns the cached AgentJob into the grain's request.
func observation(aj *agentjobv1.AgentJob, observedAt time.Time) *grainsv1.ObserveRequest {
	req := &grainsv1.ObserveRequest{
		Uid: string(aj.UID), Namespace: aj.Namespace, Name: aj.Name,
		Owner: aj.Spec.User, AgentId: aj.Spec.AgentID, Creator: aj.Spec.Creator,
		Created: timestamppb.New(aj.CreationTimestamp.Time),
		State:   aj.Status.State, Message: aj.Status.Message,
		ResourceVersion: aj.ResourceVersion, Generation: aj.Generation,
		ObservedAt: timestamppb.New(observedAt),
	}
	if ur := aj.Status.UserRecord; ur != nil {
		req.EntryCreated = ur.EntryCreated
	}
	if aj.DeletionTimestamp != nil {
		req.Deleted, req.DeletedAt = true, timestamppb.New(aj.DeletionTimestamp.Time)
	}
	for _, n := range aj.Status.Nodes {
		ns := &grainsv1.NodeStatus{Alias: n.Alias, Status: n.Status, LastUpdated: n.LastUpdated}
		if n.Output != nil {
			ns.OutputJson = string(n.Output.Raw)
		}
		req.Nodes = append(req.Nodes, ns)
	}
	return req
}
