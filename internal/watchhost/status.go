package watchhost

import (
	"context"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	agentjobv1 "github.com/erulabs/agentjob-sync/api/v1"
)

// syncStatus is what this service writes to an AgentJob's status.
type syncStatus struct {
	cond       metav1.Condition
	userRecord agentjobv1.UserRecordStatus
}

// desiredStatus builds the status for a verdict, keeping lastTransitionTime while the condition's
// status is unchanged and the sticky "entry created" fact once it is true.
func desiredStatus(aj *agentjobv1.AgentJob, v verdict, message, syncedState string, entryCreated, entryRemoved bool) syncStatus {
	cond := metav1.Condition{
		Type: ConditionType, Status: v.status, Reason: v.reason, Message: message,
		ObservedGeneration: aj.Generation, LastTransitionTime: metav1.Now(),
	}
	if old := meta.FindStatusCondition(aj.Status.Conditions, ConditionType); old != nil && old.Status == cond.Status {
		cond.LastTransitionTime = old.LastTransitionTime
	}
	ur := agentjobv1.UserRecordStatus{SyncedState: syncedState, EntryCreated: entryCreated, EntryRemoved: entryRemoved}
	if old := aj.Status.UserRecord; old != nil {
		ur.EntryCreated = ur.EntryCreated || old.EntryCreated
		if ur.SyncedState == "" {
			ur.SyncedState = old.SyncedState
		}
	}
	return syncStatus{cond: cond, userRecord: ur}
}

// unchanged reports whether the resource already shows s, so no write (and no update event that
// would come back to this controller) is needed.
func (s syncStatus) unchanged(aj *agentjobv1.AgentJob) bool {
	old := meta.FindStatusCondition(aj.Status.Conditions, ConditionType)
	if old == nil || aj.Status.UserRecord == nil {
		return false
	}
	return old.Status == s.cond.Status && old.Reason == s.cond.Reason && old.Message == s.cond.Message &&
		old.ObservedGeneration == s.cond.ObservedGeneration && *aj.Status.UserRecord == s.userRecord
}

// apply writes s with server-side apply under this service's field manager: only the
// UserRecordSynced condition and userRecord are ours; the job operator's fields are untouched.
func (s syncStatus) apply(ctx context.Context, c client.Client, aj *agentjobv1.AgentJob) error {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion(agentjobv1.GroupVersion.String())
	u.SetKind("AgentJob")
	u.SetNamespace(aj.Namespace)
	u.SetName(aj.Name)
	cond := map[string]any{
		"type": s.cond.Type, "status": string(s.cond.Status), "reason": s.cond.Reason, "message": s.cond.Message,
		"observedGeneration": s.cond.ObservedGeneration, "lastTransitionTime": s.cond.LastTransitionTime.UTC().Format("2006-01-02T15:04:05Z"),
	}
	ur := map[string]any{"entryCreated": s.userRecord.EntryCreated, "entryRemoved": s.userRecord.EntryRemoved}
	if s.userRecord.SyncedState != "" {
		ur["syncedState"] = s.userRecord.SyncedState
	}
	u.Object["status"] = map[string]any{"conditions": []any{cond}, "userRecord": ur}
	return c.Status().Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(FieldManager), client.ForceOwnership)
}
