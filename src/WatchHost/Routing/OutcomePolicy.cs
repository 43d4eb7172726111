using AgentJobSync.Grains;

namespace AgentJobSync.WatchHost.Routing;

/// <summary>
/// Maps the grain's outcome to what the queue does: in sync → done; <c>UserNotFound</c> → slow retry (the user
/// document may be created later); other transient causes → backoff; <c>EntryTooLarge</c> → done without settling (the
/// state is written without the nodes, and the next change or resync tries the nodes again: never parked); everything
/// else is permanent for this version of the object (<c>InvalidOwner</c>, <c>UnknownState</c>,
/// <c>UserDocumentInvalid</c>, <c>DatabaseRejected</c>, <c>OwnerChanged</c>, <c>NotPersisted</c>) and waits for the
/// object to change.
/// </summary>
public static class OutcomePolicy
{
    /// <summary>The disposition of <paramref name="outcome"/>.</summary>
    public static Disposition Classify(SyncOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.IsInSync || outcome.Reason == SyncReason.EntryTooLarge)
        {
            return Disposition.Done;
        }

        if (outcome.Reason == SyncReason.UserNotFound)
        {
            return Disposition.SlowRetry;
        }

        return outcome.IsTransient ? Disposition.Retry : Disposition.Parked;
    }
}
