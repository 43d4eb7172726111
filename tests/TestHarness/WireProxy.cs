using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace AgentJobSync.TestHarness;

/// <summary>
/// A TCP proxy for the MongoDB wire protocol that works on whole message frames and, when serializing, forwards one
/// request at a time across all its connections. FerretDB v1 runs an update as a read and a separate write, so two
/// connections updating one document can lose an update; one request at a time restores MongoDB's per-document
/// atomicity. The proxy needs only the frame length, the request id / responseTo and OP_MSG's moreToCome flag.
/// Per client connection there is one upstream connection: requests go up one frame at a time, holding the exchange
/// (when serializing) until the reply to that request id has arrived; replies are pumped back as they come, so that
/// replies nobody waits for (exhaust streams, and FerretDB v1's replies to moreToCome requests, which MongoDB does not
/// send) pass through without desynchronizing the connection. A moreToCome request (w:0) does not hold the exchange:
/// with no reply there is no way to know when the server is done with it.
/// </summary>
public sealed class WireProxy : IAsyncDisposable
{
    private const int HeaderLength = 16;
    private const int MaxMessageLength = 48 * 1024 * 1024; // MongoDB's maxMessageSizeBytes
    private const int OpMsg = 2013;
    private const uint MoreToComeFlag = 1u << 1;

    private readonly TcpListener listener;
    private readonly IPEndPoint upstream;
    private readonly bool serialize;
    private readonly SemaphoreSlim exchange = new(1, 1);
    private readonly CancellationTokenSource stopping = new();
    private readonly ConcurrentDictionary<Socket, byte> sockets = new();
    private readonly ConcurrentDictionary<Task, byte> connections = new();
    private Task acceptLoop = Task.CompletedTask;
    private long requestsForwarded;
    private long unawaitedReplies;
    private int inFlight;
    private int maxInFlight;
    private int disposed;

    private WireProxy(IPEndPoint upstream, bool serialize)
    {
        this.upstream = upstream;
        this.serialize = serialize;
        listener = new TcpListener(IPAddress.Loopback, 0);
    }

    /// <summary>The port clients connect to on 127.0.0.1.</summary>
    public int Port => EndPoint.Port;

    /// <summary>The address clients connect to.</summary>
    public IPEndPoint EndPoint { get; private set; } = null!;

    /// <summary>The server behind the proxy.</summary>
    public IPEndPoint Upstream => upstream;

    /// <summary>Requests written upstream so far.</summary>
    public long RequestsForwarded => Interlocked.Read(ref requestsForwarded);

    /// <summary>
    /// Replies no request was waiting for, forwarded as they came: the rest of an exhaust stream, and FerretDB v1's
    /// replies to OP_MSG requests with moreToCome (MongoDB sends none).
    /// </summary>
    public long UnawaitedReplies => Interlocked.Read(ref unawaitedReplies);

    /// <summary>The highest number of requests that were in flight upstream at once (1 when serializing).</summary>
    public int MaxInFlight => Volatile.Read(ref maxInFlight);

    /// <summary>Client connections open now.</summary>
    public int OpenConnections => connections.Count;

    /// <summary>Listens on a free loopback port and forwards to <paramref name="upstream"/>.</summary>
    public static WireProxy Start(IPEndPoint upstream, bool serialize = true)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        var proxy = new WireProxy(upstream, serialize);
        proxy.listener.Start();
        proxy.EndPoint = (IPEndPoint)proxy.listener.LocalEndpoint;
        proxy.acceptLoop = Task.Run(proxy.AcceptAsync);
        return proxy;
    }

    /// <summary>Starts counting <see cref="MaxInFlight"/> afresh.</summary>
    public void ResetMaxInFlight() => Volatile.Write(ref maxInFlight, 0);

    /// <summary>Stops listening, closes every connection and waits for their handlers.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        await stopping.CancelAsync().ConfigureAwait(false);
        listener.Stop();
        foreach (var socket in sockets.Keys)
        {
            socket.Dispose();
        }

        try
        {
            await acceptLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }

        await Task.WhenAll(connections.Keys).ConfigureAwait(false);
        stopping.Dispose();
        exchange.Dispose();
    }

    private static bool MoreToCome(byte[] frame, int length) =>
        length >= HeaderLength + 4 &&
        BinaryPrimitives.ReadInt32LittleEndian(frame.AsSpan(12, 4)) == OpMsg &&
        (BinaryPrimitives.ReadUInt32LittleEndian(frame.AsSpan(HeaderLength, 4)) & MoreToComeFlag) != 0;

    /// <summary>Reads one whole frame into a pooled buffer; null at a clean end of stream.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<(byte[] Buffer, int Length)?> ReadFrameAsync(NetworkStream stream, byte[] header, CancellationToken cancellationToken)
    {
        var read = await stream.ReadAtLeastAsync(header.AsMemory(0, 4), 4, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            return null;
        }

        if (read < 4)
        {
            throw new EndOfStreamException("connection closed inside a message header");
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(0, 4));
        if (length is < HeaderLength or > MaxMessageLength)
        {
            throw new InvalidDataException($"wire message length {length} is outside {HeaderLength}..{MaxMessageLength}");
        }

        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            header.AsSpan(0, 4).CopyTo(buffer);
            await stream.ReadExactlyAsync(buffer.AsMemory(4, length - 4), cancellationToken).ConfigureAwait(false);
            return (buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private async Task AcceptAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var connection = ServeAsync(client);
            connections.TryAdd(connection, 0);
            _ = connection.ContinueWith(
                t => connections.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(Socket clientSocket)
    {
        await Task.Yield();
        var serverSocket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        sockets.TryAdd(clientSocket, 0);
        sockets.TryAdd(serverSocket, 0);
        var token = stopping.Token;
        Task replies = Task.CompletedTask;
        try
        {
            clientSocket.NoDelay = true;
            serverSocket.NoDelay = true;
            using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(token))
            {
                connectTimeout.CancelAfter(TimeSpan.FromSeconds(10));
                await serverSocket.ConnectAsync(upstream, connectTimeout.Token).ConfigureAwait(false);
            }

            using var client = new NetworkStream(clientSocket, ownsSocket: false);
            using var server = new NetworkStream(serverSocket, ownsSocket: false);
            var awaitedReply = new ReplySignal();
            replies = Task.Run(() => ForwardRepliesAsync(server, client, awaitedReply, clientSocket, serverSocket, token), CancellationToken.None);
            var header = new byte[4];
            while (await ReadFrameAsync(client, header, token).ConfigureAwait(false) is var (request, requestLength))
            {
                try
                {
                    await ForwardRequestAsync(server, request, requestLength, awaitedReply, token).ConfigureAwait(false);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(request);
                }
            }
        }
        catch (Exception e) when (IsConnectionEnd(e))
        {
            // either side closed, or the proxy stops: close both
        }
        finally
        {
            CloseBoth(clientSocket, serverSocket);
            await replies.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Writes one request upstream and, unless it is an OP_MSG with moreToCome (no reply), holds the exchange until the
    /// reply to it has arrived, so that (when serializing) only one request is in flight upstream at a time.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ForwardRequestAsync(NetworkStream server, byte[] request, int requestLength, ReplySignal awaitedReply, CancellationToken token)
    {
        var expectsReply = !MoreToCome(request, requestLength);
        if (serialize)
        {
            await exchange.WaitAsync(token).ConfigureAwait(false);
        }

        var now = Interlocked.Increment(ref inFlight);
        try
        {
            for (var seen = Volatile.Read(ref maxInFlight); now > seen; seen = Volatile.Read(ref maxInFlight))
            {
                if (Interlocked.CompareExchange(ref maxInFlight, now, seen) == seen)
                {
                    break;
                }
            }

            if (expectsReply)
            {
                awaitedReply.Expect(BinaryPrimitives.ReadInt32LittleEndian(request.AsSpan(4, 4)));
            }

            await server.WriteAsync(request.AsMemory(0, requestLength), token).ConfigureAwait(false);
            Interlocked.Increment(ref requestsForwarded);
            if (expectsReply)
            {
                await awaitedReply.WaitAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            Interlocked.Decrement(ref inFlight);
            if (serialize)
            {
                exchange.Release();
            }
        }
    }

    /// <summary>
    /// Copies every reply from upstream to the client, in order, and signals the awaited one (matched by responseTo).
    /// Replies nobody waits for pass through unchanged: the rest of an exhaust stream (moreToCome), and FerretDB v1's
    /// replies to moreToCome requests, which MongoDB would not send at all.
    /// </summary>
    private async Task ForwardRepliesAsync(
        NetworkStream server, NetworkStream client, ReplySignal awaitedReply, Socket clientSocket, Socket serverSocket, CancellationToken token)
    {
        Exception? end = null;
        try
        {
            var header = new byte[4];
            while (await ReadFrameAsync(server, header, token).ConfigureAwait(false) is var (reply, length))
            {
                try
                {
                    if (!awaitedReply.Arrived(BinaryPrimitives.ReadInt32LittleEndian(reply.AsSpan(8, 4))))
                    {
                        Interlocked.Increment(ref unawaitedReplies);
                    }

                    await client.WriteAsync(reply.AsMemory(0, length), token).ConfigureAwait(false);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(reply);
                }
            }
        }
        catch (Exception e) when (IsConnectionEnd(e))
        {
            end = e;
        }
        finally
        {
            awaitedReply.Fail(end ?? new EndOfStreamException("upstream closed the connection"));
            CloseBoth(clientSocket, serverSocket);
        }
    }

    private static bool IsConnectionEnd(Exception e) =>
        e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidDataException;

    private void CloseBoth(Socket clientSocket, Socket serverSocket)
    {
        sockets.TryRemove(clientSocket, out _);
        sockets.TryRemove(serverSocket, out _);
        clientSocket.Dispose();
        serverSocket.Dispose();
    }
}
