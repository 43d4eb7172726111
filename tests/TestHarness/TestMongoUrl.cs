using MongoDB.Driver;

namespace AgentJobSync.TestHarness;

/// <summary>
/// <c>AGENTJOB_TEST_MONGO_URL</c>: a real MongoDB (6+, replica set) the storage, grain and process tests run against
/// instead of FerretDB. Unset or blank: FerretDB, as always.
/// </summary>
public static class TestMongoUrl
{
    /// <summary>The variable naming the server.</summary>
    public const string Variable = "AGENTJOB_TEST_MONGO_URL";

    /// <summary>The URL from the environment, checked; null when unset.</summary>
    public static string? FromEnvironment() => Select(Environment.GetEnvironmentVariable(Variable));

    /// <summary>
    /// The URL to use for <paramref name="value"/> (the variable's value): null when unset or blank, else the trimmed
    /// URL; a value that is not a MongoDB URL stops the run naming the variable.
    /// </summary>
    public static string? Select(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var url = value.Trim();
        try
        {
            _ = MongoUrl.Create(url);
        }
        catch (MongoConfigurationException e)
        {
            throw new InvalidOperationException($"{Variable}={url} is not a MongoDB URL: {e.Message}", e);
        }

        return url;
    }
}
