using System.Net;
using AgentJobSync.TestHarness;

namespace AgentJobSync.Harness.Tests;

/// <summary>Serves the files under a folder over HTTP on a free loopback port (GET only) and counts the requests.</summary>
internal sealed class StaticFileServer : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly string root;
    private readonly Task loop;
    private int requests;

    public StaticFileServer(string root)
    {
        this.root = Path.GetFullPath(root);
        Port = PortAllocator.GetFreeTcpPort();
        listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        listener.Start();
        loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    public int Requests => Volatile.Read(ref requests);

    public void Dispose()
    {
        listener.Close();
        try
        {
            loop.GetAwaiter().GetResult();
        }
        catch (ObjectDisposedException)
        {
            // the listener was closed while waiting for a request
        }
    }

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (HttpListenerException)
            {
                return;
            }

            Interlocked.Increment(ref requests);
            using var response = context.Response;
            var path = Path.GetFullPath(Path.Combine(root, Uri.UnescapeDataString(context.Request.Url!.AbsolutePath.TrimStart('/'))));
            if (!path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(path))
            {
                response.StatusCode = (int)HttpStatusCode.NotFound;
                continue;
            }

            await using var file = File.OpenRead(path);
            response.ContentLength64 = file.Length;
            await file.CopyToAsync(response.OutputStream);
        }
    }
}
