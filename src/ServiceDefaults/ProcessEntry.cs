namespace AgentJobSync.ServiceDefaults;

/// <summary>Runs a process's main body and turns a configuration error into exit code 1 with a readable message.</summary>
public static class ProcessEntry
{
    public static async Task<int> RunAsync(Func<Task> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            await body().ConfigureAwait(false);
            return 0;
        }
        catch (SettingsException e)
        {
            await Console.Error.WriteLineAsync(e.Message).ConfigureAwait(false);
            return 1;
        }
    }
}
