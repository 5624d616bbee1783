using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace BedrockCost.FakeAws;

/// <summary>One request as the fake saw it: target, body, the status answered, and what was wrong with it (null when well formed).</summary>
public sealed record AwsRequest(string Target, string Body, int Status, string? Problem);

/// <summary>An error answer in the JSON 1.1 shape: {"__type": code, "message": text} with an HTTP status.</summary>
public sealed class AwsFault(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
}

/// <summary>
/// The wire half of a fake AWS JSON 1.1 service on 127.0.0.1 (free port): POST / with X-Amz-Target
/// "{TargetPrefix}.{Operation}", Content-Type application/x-amz-json-1.1, and a SigV4 signature for
/// {Service} in {Region} by <see cref="AccessKey"/>, recomputed with <see cref="SecretKey"/>. Every request is
/// logged; GET /__requests returns the log. Subclasses answer the operations.
/// </summary>
public abstract class JsonProtocolServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly List<AwsRequest> _log = new();

    protected JsonProtocolServer(string service, string region, string targetPrefix)
    {
        Service = service;
        Region = region;
        TargetPrefix = targetPrefix;
    }

    public string Service { get; }
    public string Region { get; }
    public string TargetPrefix { get; }
    public string AccessKey { get; init; } = "AKIAFAKEAWS000000001";
    public string SecretKey { get; init; } = "fake/aws/secret+key00000000000000000000";
    public int Port { get; private set; }
    public Uri Url => new($"http://127.0.0.1:{Port}/");

    public IReadOnlyList<AwsRequest> Requests { get { lock (_log) return _log.ToList(); } }

    /// <summary>Raised after each request is answered (tests wait on it instead of sleeping).</summary>
    public event Action<AwsRequest>? Answered;

    public void Start()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        _ = Task.Run(LoopAsync);
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try { ctx = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            _ = Task.Run(() => Handle(ctx));
        }
    }

    /// <summary>Answers one operation; throw <see cref="AwsFault"/> for an error answer.</summary>
    protected abstract JsonNode Answer(string operation, JsonObject input);

    /// <summary>Extra GET endpoints (test hooks), by path; null when unknown.</summary>
    protected virtual string? Inspect(string path) => null;

    private void Handle(HttpListenerContext ctx)
    {
        var req = ctx.Request;
        string body;
        using (var reader = new StreamReader(req.InputStream, Encoding.UTF8)) body = reader.ReadToEnd();
        if (req.HttpMethod == "GET")
        {
            var text = req.Url!.AbsolutePath == "/__requests" ? JsonSerializer.Serialize(Requests) : Inspect(req.Url.AbsolutePath);
            Write(ctx, text is null ? 404 : 200, text ?? "{}");
            return;
        }
        var target = req.Headers["X-Amz-Target"] ?? "";
        var status = 200;
        string? problem = null;
        JsonNode response;
        try
        {
            problem = Check(req, body, target);
            if (problem is not null)
                throw problem.StartsWith("signature", StringComparison.Ordinal)
                    ? new AwsFault(403, "InvalidSignatureException", problem)
                    : new AwsFault(400, "ValidationException", problem);
            var input = JsonNode.Parse(body) as JsonObject ?? throw new AwsFault(400, "SerializationException", "the body is not a JSON object");
            response = Answer(target[(TargetPrefix.Length + 1)..], input);
        }
        catch (AwsFault e)
        {
            status = e.Status;
            response = new JsonObject { ["__type"] = e.Code, ["message"] = e.Message };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException or NullReferenceException or InvalidCastException)
        {
            status = 400;
            response = new JsonObject { ["__type"] = "SerializationException", ["message"] = e.Message };
        }
        var entry = new AwsRequest(target, body, status, problem);
        lock (_log) _log.Add(entry);
        Write(ctx, status, response.ToJsonString());
        Answered?.Invoke(entry);
    }

    private static void Write(HttpListenerContext ctx, int status, string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/x-amz-json-1.1";
        ctx.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        ctx.Response.OutputStream.Write(bytes);
        ctx.Response.Close();
    }

    /// <summary>Null when the request is a well-formed, correctly signed JSON 1.1 call of this service; else what is wrong.</summary>
    private string? Check(HttpListenerRequest req, string body, string target)
    {
        if (req.HttpMethod != "POST") return $"method {req.HttpMethod} is not POST";
        if (!target.StartsWith(TargetPrefix + ".", StringComparison.Ordinal)) return $"X-Amz-Target '{target}' is not {TargetPrefix}.<Operation>";
        if (req.ContentType != "application/x-amz-json-1.1") return $"Content-Type '{req.ContentType}' is not application/x-amz-json-1.1";
        var auth = req.Headers["Authorization"] ?? "";
        var m = Regex.Match(auth,
            @"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$");
        if (!m.Success) return "signature: Authorization header is not AWS4-HMAC-SHA256";
        if (m.Groups[1].Value != AccessKey) return "signature: unknown access key";
        if (m.Groups[3].Value != Region || m.Groups[4].Value != Service) return $"signature: scope {m.Groups[3].Value}/{m.Groups[4].Value} is not {Region}/{Service}";
        var signed = m.Groups[5].Value.Split(';');
        foreach (var h in new[] { "host", "x-amz-date", "content-type", "x-amz-target" })
            if (!signed.Contains(h)) return $"signature: {h} is not signed";
        var amzDate = req.Headers["X-Amz-Date"] ?? "";
        if (!amzDate.StartsWith(m.Groups[2].Value, StringComparison.Ordinal)) return "signature: X-Amz-Date does not match the credential scope";
        var canonical = new StringBuilder($"POST\n{req.Url!.AbsolutePath}\n\n");
        foreach (var h in signed) canonical.Append(h).Append(':').Append((h == "host" ? req.Headers["Host"] : req.Headers[h])?.Trim()).Append('\n');
        canonical.Append('\n').Append(m.Groups[5].Value).Append('\n').Append(Hex(SHA256.HashData(Encoding.UTF8.GetBytes(body))));
        var scope = $"{m.Groups[2].Value}/{Region}/{Service}/aws4_request";
        var toSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))}";
        var key = Encoding.UTF8.GetBytes("AWS4" + SecretKey);
        foreach (var part in new[] { m.Groups[2].Value, Region, Service, "aws4_request" }) key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        var expected = Hex(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(toSign)));
        return expected == m.Groups[6].Value ? null : "signature: the signature does not match";
    }

    private static string Hex(byte[] b) => Convert.ToHexString(b).ToLowerInvariant();

    /// <summary>A required string member of a request, else a ValidationException as AWS answers.</summary>
    protected static string Required(JsonObject o, string name) =>
        o[name] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s
            : throw new AwsFault(400, "ValidationException", $"1 validation error detected: Value null at '{name}' failed to satisfy constraint: Member must not be null");

    public virtual void Dispose()
    {
        try { _listener.Stop(); } catch (ObjectDisposedException) { }
        _listener.Close();
    }
}
