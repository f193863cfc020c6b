using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;

namespace Backprop.Tests.Browser;

/// <summary>
/// The Chrome DevTools protocol over one WebSocket: numbered commands answered by id, and events, each possibly
/// addressed to a session (a page attached with <c>flatten</c>). No package: the protocol is JSON messages, and the
/// few commands the browser tests use are named where they are sent.
/// </summary>
internal sealed class DevToolsConnection : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    private readonly ClientWebSocket _socket;
    private readonly ConcurrentDictionary<int, (string Method, TaskCompletionSource<JsonElement> Answer)> _pending = new();
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _receiving;
    private int _nextId;

    private DevToolsConnection(ClientWebSocket socket)
    {
        _socket = socket;
        _receiving = Task.Run(ReceiveAsync);
    }

    /// <summary>Every event: its method, the session it belongs to (null for the browser's own) and its parameters.</summary>
    public event Action<string, string?, JsonElement>? EventReceived;

    public static async Task<DevToolsConnection> ConnectAsync(Uri address)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        using var timeout = new CancellationTokenSource(CommandTimeout);
        await socket.ConnectAsync(address, timeout.Token);
        return new DevToolsConnection(socket);
    }

    /// <summary>Sends one command and waits for its result; an error answer throws with the method and the browser's message.</summary>
    public async Task<JsonElement> SendAsync(string method, object? parameters = null, string? sessionId = null)
    {
        int id = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = (method, answer);
        var message = new Dictionary<string, object?> { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new { } };
        if (sessionId is not null) message["sessionId"] = sessionId;
        byte[] bytes = JsonSerializer.SerializeToUtf8Bytes(message);
        await _sending.WaitAsync();
        try
        {
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, _closing.Token);
        }
        finally
        {
            _sending.Release();
        }
        Task finished = await Task.WhenAny(answer.Task, Task.Delay(CommandTimeout));
        if (finished != answer.Task)
        {
            _pending.TryRemove(id, out _);
            throw new TimeoutException($"the browser did not answer {method} within {CommandTimeout.TotalSeconds} s");
        }
        return await answer.Task;
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                WebSocketReceiveResult part = await _socket.ReceiveAsync(buffer, _closing.Token);
                if (part.MessageType == WebSocketMessageType.Close) break;
                message.Write(buffer, 0, part.Count);
                if (!part.EndOfMessage) continue;
                Dispatch(message.GetBuffer().AsSpan(0, (int)message.Length));
                message.SetLength(0);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            // The browser went away or the connection is being closed: the pending commands fail below.
        }
        foreach (var (_, (method, answer)) in _pending)
            answer.TrySetException(new InvalidOperationException($"the browser closed the connection before answering {method}"));
    }

    private void Dispatch(ReadOnlySpan<byte> utf8)
    {
        using var document = JsonDocument.Parse(utf8.ToArray());
        JsonElement root = document.RootElement;
        if (root.TryGetProperty("id", out JsonElement idElement))
        {
            if (!_pending.TryRemove(idElement.GetInt32(), out var pending)) return;
            if (root.TryGetProperty("error", out JsonElement error))
                pending.Answer.TrySetException(new InvalidOperationException(
                    $"the browser refused {pending.Method}: {error.GetProperty("message").GetString()}"));
            else
                pending.Answer.TrySetResult(root.TryGetProperty("result", out JsonElement result) ? result.Clone() : default);
            return;
        }
        if (root.TryGetProperty("method", out JsonElement method))
        {
            string? sessionId = root.TryGetProperty("sessionId", out JsonElement session) ? session.GetString() : null;
            JsonElement parameters = root.TryGetProperty("params", out JsonElement p) ? p.Clone() : default;
            EventReceived?.Invoke(method.GetString()!, sessionId, parameters);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _closing.Cancel();
        try
        {
            await _receiving;
        }
        finally
        {
            _socket.Dispose();
            _sending.Dispose();
            _closing.Dispose();
        }
    }
}
