using Microsoft.Extensions.Options;

namespace AgentJobSync.Grains.Persistence;

/// <summary>Rejects options a provider could not work with, naming the provider and the setting.</summary>
internal sealed class MongoGrainStorageOptionsValidator : IValidateOptions<MongoGrainStorageOptions>
{
    internal static readonly TimeSpan MinimumTimeout = TimeSpan.FromMilliseconds(100);
    internal static readonly TimeSpan MaximumTimeout = TimeSpan.FromMinutes(5);

    public ValidateOptionsResult Validate(string? name, MongoGrainStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var provider = $"grain storage '{name}'";
        if (string.IsNullOrWhiteSpace(options.DatabaseName) || options.DatabaseName.AsSpan().IndexOfAny("/\\. \"$") >= 0)
        {
            failures.Add($"{provider}: {nameof(options.DatabaseName)} '{options.DatabaseName}' is not a MongoDB database name");
        }

        if (string.IsNullOrWhiteSpace(options.CollectionName) || options.CollectionName.Contains('$', StringComparison.Ordinal)
            || options.CollectionName.StartsWith("system.", StringComparison.Ordinal))
        {
            failures.Add($"{provider}: {nameof(options.CollectionName)} '{options.CollectionName}' is not a usable collection name");
        }

        if (options.OperationTimeout < MinimumTimeout || options.OperationTimeout > MaximumTimeout)
        {
            failures.Add($"{provider}: {nameof(options.OperationTimeout)} {options.OperationTimeout} is outside {MinimumTimeout}..{MaximumTimeout}");
        }

        if (options.GrainStorageSerializer is null)
        {
            failures.Add($"{provider}: no {nameof(options.GrainStorageSerializer)} (none set and none registered in the silo's services)");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
