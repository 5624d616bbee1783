using System.Net;
using System.Text;

namespace BedrockCost.Core.Tests;

/// <summary>
/// An HTTP endpoint on 127.0.0.1 at a free port for the tests' S3 stand-ins: it accepts requests until disposed and
/// hands each to <see cref="HandleAsync"/> on its own task. Connection failures of a request are the test's business
/// (a client that gave up), never an unobserved exception.
/// </summary>
public abstract class LoopbackServer : IDisposable
{
    private readonly HttpListener _listener = new();
    /// <summary>Cancelled on dispose: a handler holding a response open ends with it.</summary>
    protected CancellationTokenSource Stopping { get; } = new();

    protected LoopbackServer()
    {
        for (var attempt = 0; ; attempt++)
        {
            var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Url = $"http://127.0.0.1:{port}";
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add(Url + "/");
            try { _listener.Start(); break; }
            catch (HttpListenerException) when (attempt < 5) { }
        }
        _ = Task.Run(LoopAsync);
    }

    public string Url { get; }

    protected abstract Task HandleAsync(HttpListenerContext c);

    private async Task LoopAsync()
    {
        while (!Stopping.IsCancellationRequested)
        {
            HttpListenerContext c;
            try { c = await _listener.GetContextAsync(); } catch { return; }
            _ = Task.Run(async () =>
            {
                try { await HandleAsync(c); }
                catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException) { }
            });
        }
    }

    /// <summary>A whole response: status, content type and body.</summary>
    protected static async Task Reply(HttpListenerContext c, int status, string type, byte[] body)
    {
        c.Response.StatusCode = status;
        c.Response.ContentType = type;
        c.Response.ContentLength64 = body.Length;
        await c.Response.OutputStream.WriteAsync(body);
        c.Response.Close();
    }

    /// <summary>An XML response, as S3 sends its listings and errors.</summary>
    protected static Task Reply(HttpListenerContext c, int status, string xml) => Reply(c, status, "application/xml", Encoding.UTF8.GetBytes(xml));

    public virtual void Dispose()
    {
        Stopping.Cancel();
        try { _listener.Stop(); _listener.Close(); } catch (ObjectDisposedException) { }
        GC.SuppressFinalize(this);
    }
}
