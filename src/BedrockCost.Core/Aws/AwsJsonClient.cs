using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.Runtime;

namespace BedrockCost.Core.Aws;


/// <summary>An error answer of a JSON-protocol service, after retries: for a service's own error mapping.</summary>
public sealed record AwsServiceError(string Operation, int Status, string Code, string Message, int Attempts);

/// <summary>Retry and transport settings of <see cref="AwsJsonClient"/>; tests shrink the delays.</summary>
public sealed class AwsJsonClientOptions
{
    /// <summary>Attempts per request, the first included.</summary>
    public int MaxAttempts { get; init; } = AwsCredentialResolver.MaxRetries + 1;
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(250);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(20);
    /// <summary>Waits between attempts (replaceable in tests).</summary>
    public Func<TimeSpan, CancellationToken, Task> Delay { get; init; } = Task.Delay;
    public HttpMessageHandler? Handler { get; init; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(100);
}

/// <summary>
/// A small client for AWS JSON 1.1 protocol APIs (Cost Explorer, and any other "X-Amz-Target" service):
/// POST / with the operation in X-Amz-Target, SigV4 signed with credentials from AWSSDK.Core's chain,
/// retried with exponential backoff and full jitter on throttling and 5xx, errors mapped to stable ids.
/// Credentials never appear in messages.
/// </summary>
public sealed class AwsJsonClient : IDisposable
{
    private static readonly HashSet<string> RetryCodes = new(StringComparer.OrdinalIgnoreCase)
    {
        "ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded", "LimitExceededException",
        "ServiceUnavailable", "ServiceUnavailableException", "InternalFailure", "InternalServerError", "RequestTimeout", "RequestTimeoutException",
    };

    private static readonly HashSet<string> DeniedCodes = new(StringComparer.OrdinalIgnoreCase)
    {
        "AccessDeniedException", "AccessDenied", "UnrecognizedClientException", "InvalidSignatureException", "SignatureDoesNotMatch",
        "ExpiredTokenException", "ExpiredToken", "InvalidClientTokenId", "IncompleteSignature", "MissingAuthenticationToken",
    };

    private readonly AWSCredentials _credentials;
    private readonly HttpClient _http;
    private readonly AwsJsonClientOptions _options;
    private readonly Func<AwsServiceError, BedrockCostException?>? _mapError;
    private int _requests;

    /// <param name="credentials">SDK credentials (from <see cref="AwsCredentialResolver"/>).</param>
    /// <param name="service">SigV4 signing name, for example "ce".</param>
    /// <param name="signingRegion">SigV4 region, for example "us-east-1".</param>
    /// <param name="targetPrefix">X-Amz-Target prefix, for example "AWSInsightsIndexService".</param>
    /// <param name="endpoint">Service URL (https://ce.us-east-1.amazonaws.com or an override).</param>
    /// <param name="mapError">The service's own mapping of error answers (null: the generic one below).</param>
    public AwsJsonClient(AWSCredentials credentials, string service, string signingRegion, string targetPrefix, Uri endpoint, AwsJsonClientOptions? options = null,
        Func<AwsServiceError, BedrockCostException?>? mapError = null)
    {
        _mapError = mapError;
        _credentials = credentials ?? throw new ArgumentNullException(nameof(credentials));
        Service = service;
        SigningRegion = signingRegion;
        TargetPrefix = targetPrefix;
        Endpoint = endpoint;
        _options = options ?? new AwsJsonClientOptions();
        _http = _options.Handler is null ? new HttpClient() : new HttpClient(_options.Handler, disposeHandler: false);
        _http.Timeout = _options.Timeout;
    }

    public string Service { get; }
    public string SigningRegion { get; }
    public string TargetPrefix { get; }
    public Uri Endpoint { get; }

    /// <summary>HTTP requests sent (retries included): what AWS bills for metered APIs such as Cost Explorer.</summary>
    public int RequestCount => Volatile.Read(ref _requests);

    /// <summary>Calls one operation and returns the parsed response body.</summary>
    /// <exception cref="BedrockCostException">AwsAccessDenied, AwsThrottled, AwsNetworkError, AwsRequestFailed, CostExplorer*.</exception>
    public async Task<JsonElement> InvokeAsync(string operation, JsonObject request, CancellationToken ct)
    {
        var body = Encoding.UTF8.GetBytes(request.ToJsonString());
        var target = $"{TargetPrefix}.{operation}";
        for (var attempt = 1; ; attempt++)
        {
            ct.ThrowIfCancellationRequested();
            HttpResponseMessage response;
            try
            {
                using var message = await CreateSignedRequestAsync(target, body, DateTime.UtcNow, ct).ConfigureAwait(false);
                Interlocked.Increment(ref _requests);
                response = await _http.SendAsync(message, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or IOException || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                if (attempt < _options.MaxAttempts) { await BackoffAsync(attempt, ct).ConfigureAwait(false); continue; }
                throw AwsErrors.Map(e is TaskCanceledException ? new TimeoutException("The request timed out.", e) : e, $"calling {operation} at {Endpoint}", operation);
            }

            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    try { return JsonDocument.Parse(text.Length == 0 ? "{}" : text).RootElement.Clone(); }
                    catch (JsonException e)
                    {
                        throw new BedrockCostException(ErrorIds.CostExplorerBadResponse, ErrorKind.InvalidData,
                            $"{operation} returned a body that is not JSON: {e.Message}", operation, e);
                    }
                }
                var (code, msg) = ParseError(response, text);
                var status = (int)response.StatusCode;
                var retryable = RetryCodes.Contains(code) || status == 429 || status >= 500;
                if (retryable && attempt < _options.MaxAttempts) { await BackoffAsync(attempt, ct).ConfigureAwait(false); continue; }
                throw MapError(operation, status, code, msg, attempt);
            }
        }
    }

    /// <summary>Full jitter: a random wait between 0 and min(max, base * 2^(attempt-1)).</summary>
    private Task BackoffAsync(int attempt, CancellationToken ct)
    {
        var cap = Math.Min(_options.MaxDelay.TotalMilliseconds, _options.BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
        return _options.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * cap), ct);
    }

    private static (string Code, string Message) ParseError(HttpResponseMessage response, string text)
    {
        string code = string.Empty, msg = string.Empty;
        try
        {
            using var doc = JsonDocument.Parse(text);
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.NameEquals("__type") || p.NameEquals("code")) code = p.Value.GetString() ?? string.Empty;
                else if (p.Name.Equals("message", StringComparison.OrdinalIgnoreCase)) msg = p.Value.GetString() ?? string.Empty;
            }
        }
        catch (JsonException) { msg = text.Length > 200 ? text[..200] : text; }
        if (code.Length == 0 && response.Headers.TryGetValues("x-amzn-ErrorType", out var values)) code = values.First();
        // "com.amazon.coral...#ThrottlingException" and "ThrottlingException:http://..." both mean ThrottlingException.
        if (code.LastIndexOf('#') is var hash and >= 0) code = code[(hash + 1)..];
        if (code.IndexOf(':') is var colon and > 0) code = code[..colon];
        return (code, msg);
    }

    private BedrockCostException MapError(string operation, int status, string code, string message, int attempts)
    {
        if (_mapError?.Invoke(new AwsServiceError(operation, status, code, message, attempts)) is { } own) return own;
        var what = $"{code}{(message.Length > 0 ? ": " + message : string.Empty)} (HTTP {status})";
        if (status == 403 || DeniedCodes.Contains(code))
            return new(ErrorIds.AwsAccessDenied, ErrorKind.PermissionDenied,
                $"Access denied calling {TargetPrefix}.{operation}: {what}. The credentials need the {Service}:{operation} permission " +
                "(Cost Explorer: in the management account or an account with Cost Explorer enabled). Run with -Debug to see which credentials were used.", operation);
        if (status == 429 || RetryCodes.Contains(code) && code.Contains("Throttl", StringComparison.OrdinalIgnoreCase) || code.Contains("TooManyRequests", StringComparison.OrdinalIgnoreCase))
            return new(ErrorIds.AwsThrottled, ErrorKind.LimitsExceeded,
                $"AWS kept throttling {operation} after {attempts} attempt(s) with backoff: {what}. Try again later.", operation);
        if (code == "DataUnavailableException")
            return new(ErrorIds.CostExplorerDataUnavailable, ErrorKind.ResourceUnavailable,
                $"Cost Explorer has no data for the request: {what}. Cost Explorer must be enabled (it takes up to 24 hours to prepare data) and the period must be within its 13 months (or 38 with extended history).", operation);
        if (code is "ValidationException" or "InvalidNextTokenException" or "BillExpirationException" or "RequestChangedException")
            return new(ErrorIds.CostExplorerInvalidRequest, ErrorKind.InvalidOperation, $"{operation} rejected the request: {what}.", operation);
        return new(ErrorIds.AwsRequestFailed, ErrorKind.InvalidOperation, $"AWS request failed ({operation}): {what}.", operation);
    }

    /// <summary>Builds the POST with SigV4 headers (Authorization, X-Amz-Date, X-Amz-Security-Token).</summary>
    internal async Task<HttpRequestMessage> CreateSignedRequestAsync(string target, byte[] body, DateTime now, CancellationToken ct)
    {
        var creds = await _credentials.GetCredentialsAsync().WaitAsync(ct).ConfigureAwait(false);
        var host = Endpoint.IsDefaultPort ? Endpoint.Host : Endpoint.Authority;
        var amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["content-type"] = "application/x-amz-json-1.1",
            ["host"] = host,
            ["x-amz-date"] = amzDate,
            ["x-amz-target"] = target,
        };
        if (creds.UseToken) headers["x-amz-security-token"] = creds.Token;
        var path = string.IsNullOrEmpty(Endpoint.AbsolutePath) ? "/" : Endpoint.AbsolutePath;
        var authorization = SigV4.Authorization("POST", path, headers, body, now, SigningRegion, Service, creds.AccessKey, creds.SecretKey);

        var message = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = new ByteArrayContent(body) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.1");
        message.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        message.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        if (creds.UseToken) message.Headers.TryAddWithoutValidation("X-Amz-Security-Token", creds.Token);
        message.Headers.TryAddWithoutValidation("Authorization", authorization);
        return message;
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>AWS Signature Version 4 for a request without a query string.</summary>
internal static class SigV4
{
    public static string Authorization(string method, string path, IReadOnlyDictionary<string, string> sortedHeaders, byte[] body,
        DateTime now, string region, string service, string accessKey, string secretKey)
    {
        var date = now.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var signedHeaders = string.Join(';', sortedHeaders.Keys);
        var canonical = new StringBuilder()
            .Append(method).Append('\n').Append(path).Append('\n').Append('\n');
        foreach (var (k, v) in sortedHeaders) canonical.Append(k).Append(':').Append(v.Trim()).Append('\n');
        canonical.Append('\n').Append(signedHeaders).Append('\n').Append(Hex(SHA256.HashData(body)));
        var scope = $"{date}/{region}/{service}/aws4_request";
        var toSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))}";
        var key = Hmac(Hmac(Hmac(Hmac(Encoding.UTF8.GetBytes("AWS4" + secretKey), date), region), service), "aws4_request");
        var signature = Hex(Hmac(key, toSign));
        return $"AWS4-HMAC-SHA256 Credential={accessKey}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}";
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));
    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
}
