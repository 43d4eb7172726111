using System.Diagnostics;
using OpenTelemetry.Trace;

namespace AgentJobSync.ServiceDefaults.Tracing;

/// <summary>
/// Decides whether a span that has no parent starts a trace: work (a routed change, a grain call arriving at a silo)
/// does; an outgoing call made outside any work (a lease renewal, a membership write, a health ping) does not, so the
/// exported traces are the product's work rather than thousands of one-span background calls. Spans with a parent
/// follow it (<see cref="ParentBasedSampler"/>).
/// </summary>
public sealed class TracedWorkSampler : Sampler
{
    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
        new(samplingParameters.Kind is ActivityKind.Client or ActivityKind.Producer ? SamplingDecision.Drop : SamplingDecision.RecordAndSample);
}
