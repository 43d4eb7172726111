package watchhost

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	grainsv1 "github.com/erulabs/agentjob-sync/api/grains/v1"
)

// verdict is how an outcome shows on the resource and what the queue does next.
type verdict struct {
	status metav1.ConditionStatus
	reason string
	// transient outcomes are retried with backoff; the rest wait for the next change or resync.
	transient bool
	// final outcomes let a deleted job go: nothing more can be persisted for it.
	final bool
}

func verdictFor(o grainsv1.Outcome) verdict {
	switch o {
	case grainsv1.Outcome_OUTCOME_PERSISTED, grainsv1.Outcome_OUTCOME_UP_TO_DATE:
		return verdict{status: metav1.ConditionTrue, reason: "Synced", final: true}
	case grainsv1.Outcome_OUTCOME_DISABLED_BY_FLAG:
		return verdict{status: metav1.ConditionTrue, reason: "FeatureDisabled", final: true}
	case grainsv1.Outcome_OUTCOME_ENTRY_REMOVED:
		return verdict{status: metav1.ConditionTrue, reason: "EntryRemovedByOwner", final: true}
	case grainsv1.Outcome_OUTCOME_INVALID_OWNER, grainsv1.Outcome_OUTCOME_UNKNOWN_STATE:
		return verdict{status: metav1.ConditionFalse, reason: "InvalidSpec", final: true}
	case grainsv1.Outcome_OUTCOME_USER_NOT_FOUND:
		return verdict{status: metav1.ConditionFalse, reason: "UserNotFound", final: true}
	case grainsv1.Outcome_OUTCOME_JOBS_NOT_ARRAY:
		return verdict{status: metav1.ConditionFalse, reason: "UserRecordInvalid", final: true}
	case grainsv1.Outcome_OUTCOME_ENTRY_TOO_LARGE:
		return verdict{status: metav1.ConditionFalse, reason: "EntryTooLarge", final: true}
	case grainsv1.Outcome_OUTCOME_CONTENDED:
		return verdict{status: metav1.ConditionFalse, reason: "Contended", transient: true}
	}
	return verdict{status: metav1.ConditionFalse, reason: "DatabaseUnavailable", transient: true}
}

// grainUnavailable is the verdict when the grain could not be reached at all.
var grainUnavailable = verdict{status: metav1.ConditionFalse, reason: "GrainUnavailable", transient: true}

func conditionMessage(resp *grainsv1.ObserveResponse, v verdict) string {
	switch {
	case v.reason == "Synced":
		return fmt.Sprintf("entry is %s", resp.GetPersistedState())
	case resp.GetMessage() != "":
		return resp.GetMessage()
	}
	return v.reason
}
