package watchhost

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	grainsv1 "github.com/erulabs/agentjob-sync/api/grains/v1"
	agentjobv1 "github.com/erulabs/agentjob-sync/api/v1"
	"github.com/erulabs/agentjob-sync/internal/metrics"
)

// Reconciler routes one AgentJob's current state to its grain and reports the outcome.
type Reconciler struct {
	Client   client.Client
	Router   Router
	Recorder events.EventRecorder
	Metrics  *metrics.Metrics
	Config   Config

	// seen holds when an event for a key first arrived since it was last reconciled, for lag.
	seen sync.Map
}

// markSeen records the arrival of an event for key unless an earlier one is still pending.
func (r *Reconciler) markSeen(key string) { r.seen.LoadOrStore(key, time.Now()) }

func (r *Reconciler) takeSeen(key string) time.Time {
	if v, ok := r.seen.LoadAndDelete(key); ok {
		return v.(time.Time)
	}
	return time.Now()
}

// Reconcile implements reconcile.Reconciler.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	observedAt := r.takeSeen(req.String())
	var aj agentjobv1.AgentJob
	if err := r.Client.Get(ctx, req.NamespacedName, &aj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	deleting := aj.DeletionTimestamp != nil
	if deleting && !controllerutil.ContainsFinalizer(&aj, Finalizer) {
		return ctrl.Result{}, nil // going away without our hold: its last update was already routed
	}
	if r.Config.Finalizer && !deleting && !controllerutil.ContainsFinalizer(&aj, Finalizer) {
		if err := r.setFinalizer(ctx, &aj, true); err != nil {
			return ctrl.Result{}, err
		}
	}

	resp, err := r.Router.Observe(ctx, observation(&aj, observedAt))
	v := grainUnavailable
	message := ""
	if err != nil {
		message = fmt.Sprintf("grain call failed: %v", err)
		r.Metrics.Errors.WithLabelValues("grain_unavailable").Inc()
	} else {
		v = verdictFor(resp.Outcome)
		message = conditionMessage(resp, v)
	}
	want := desiredStatus(&aj, v, message, resp.GetPersistedState(), resp.GetEntryCreated(),
		resp.GetOutcome() == grainsv1.Outcome_OUTCOME_ENTRY_REMOVED)
	if !want.unchanged(&aj) {
		if v.status != "True" && !conditionIs(&aj, v.reason) {
			r.Recorder.Eventf(&aj, nil, corev1.EventTypeWarning, v.reason, "Sync", "%s", message)
		}
		if err := want.apply(ctx, r.Client, &aj); err != nil && !apierrors.IsNotFound(err) {
			return ctrl.Result{}, fmt.Errorf("write status: %w", err)
		}
	}

	switch {
	case v.transient:
		log.FromContext(ctx).V(1).Info("will retry", "reason", v.reason, "message", message)
		return ctrl.Result{}, fmt.Errorf("%s: %s", v.reason, message)
	case deleting && v.final:
		return ctrl.Result{}, client.IgnoreNotFound(r.setFinalizer(ctx, &aj, false))
	case resp.GetOutcome() == grainsv1.Outcome_OUTCOME_USER_NOT_FOUND:
		return ctrl.Result{RequeueAfter: r.Config.UserNotFoundRetry}, nil
	}
	return ctrl.Result{}, nil
}

// setFinalizer adds or removes the finalizer with a merge patch guarded by resourceVersion, so a
// concurrent change of the finalizer list by someone else is retried, not overwritten.
func (r *Reconciler) setFinalizer(ctx context.Context, aj *agentjobv1.AgentJob, on bool) error {
	base := aj.DeepCopy()
	if on {
		controllerutil.AddFinalizer(aj, Finalizer)
	} else {
		controllerutil.RemoveFinalizer(aj, Finalizer)
	}
	return r.Client.Patch(ctx, aj, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{}), client.FieldOwner(FieldManager))
}

func conditionIs(aj *agentjobv1.AgentJob, reason string) bool {
	for _, c := range aj.Status.Conditions {
		if c.Type == ConditionType {
			return c.Reason == reason
		}
	}
	return false
}
