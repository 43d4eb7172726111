using System.Collections.Concurrent;
using System.Net;
using AgentJobSync.TestHarness;
using Google.Protobuf;

namespace AgentJobSync.WatchHost.Tests.Process;

/// <summary>
/// A small OTLP/HTTP trace receiver on loopback (<c>POST /v1/traces</c>, protobuf), as a collector would run it: it
/// decodes the fields of <c>ExportTraceServiceRequest</c> the test needs (resource service name, scope name, span ids,
/// name, kind, string attributes) and keeps every span it was sent.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<OtlpSpan> _spans = new();
    private readonly Task _loop;

    public OtlpReceiver()
    {
        Port = PortAllocator.GetFreeTcpPort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    /// <summary>The value of <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> that points an exporter here.</summary>
    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>Every span received so far.</summary>
    public IReadOnlyList<OtlpSpan> Spans => [.. _spans];

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (HttpListenerException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            var context = await _listener.GetContextAsync();
            using (var body = new MemoryStream())
            {
                await context.Request.InputStream.CopyToAsync(body);
                if (context.Request.Url?.AbsolutePath == "/v1/traces")
                {
                    Decode(body.ToArray());
                }
            }

            context.Response.StatusCode = context.Request.Url?.AbsolutePath == "/v1/traces" ? 200 : 404;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }

    private void Decode(byte[] request)
    {
        foreach (var resourceSpans in Fields(request, 1))
        {
            var service = "";
            foreach (var resource in Fields(resourceSpans, 1))
            {
                service = StringAttributes(resource, 1).GetValueOrDefault("service.name", "");
            }

            foreach (var scopeSpans in Fields(resourceSpans, 2))
            {
                var scope = Fields(scopeSpans, 1).Select(s => Strings(s, 1).FirstOrDefault() ?? "").FirstOrDefault() ?? "";
                foreach (var span in Fields(scopeSpans, 2))
                {
                    _spans.Enqueue(DecodeSpan(service, scope, span));
                }
            }
        }
    }

    private static OtlpSpan DecodeSpan(string service, string scope, byte[] span)
    {
        string traceId = "", spanId = "", parentId = "", name = "";
        var kind = 0;
        var input = new CodedInputStream(span);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: traceId = Convert.ToHexStringLower(input.ReadBytes().ToByteArray()); break;
                case 2: spanId = Convert.ToHexStringLower(input.ReadBytes().ToByteArray()); break;
                case 4: parentId = Convert.ToHexStringLower(input.ReadBytes().ToByteArray()); break;
                case 5: name = input.ReadString(); break;
                case 6: kind = input.ReadEnum(); break;
                default: input.SkipLastField(); break;
            }
        }

        return new OtlpSpan(service, scope, traceId, spanId, parentId, name, kind, StringAttributes(span, 9));
    }

    // KeyValue { string key = 1; AnyValue value = 2 }, AnyValue { string string_value = 1; ... }: string values only.
    private static Dictionary<string, string> StringAttributes(byte[] message, int field)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var keyValue in Fields(message, field))
        {
            var key = Strings(keyValue, 1).FirstOrDefault();
            var value = Fields(keyValue, 2).SelectMany(v => Strings(v, 1)).FirstOrDefault();
            if (key is not null && value is not null)
            {
                attributes[key] = value;
            }
        }

        return attributes;
    }

    private static IEnumerable<string> Strings(byte[] message, int field) =>
        Fields(message, field).Select(b => System.Text.Encoding.UTF8.GetString(b));

    // The length-delimited values of one field number (nested messages, strings, bytes), in order.
    private static List<byte[]> Fields(byte[] message, int field)
    {
        var values = new List<byte[]>();
        var input = new CodedInputStream(message);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == field && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                values.Add(input.ReadBytes().ToByteArray());
            }
            else
            {
                input.SkipLastField();
            }
        }

        return values;
    }
}
