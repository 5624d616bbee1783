using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Amazon.Runtime;

namespace BedrockCost.Core.Aws;


/// <summary>
/// Turns SDK and network exceptions into BedrockCostExceptions with stable ids and a message that says
/// what to do. Cancellation is never mapped (it ends the command quietly).
/// </summary>
public static class AwsErrors
{
    private static readonly HashSet<string> DeniedCodes = new(StringComparer.OrdinalIgnoreCase)
    {
        "AccessDenied", "AccessDeniedException", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken",
        "InvalidToken", "UnrecognizedClientException", "InvalidClientTokenId", "AllAccessDisabled", "AccountProblem",
    };

    private static readonly HashSet<string> ThrottleCodes = new(StringComparer.OrdinalIgnoreCase)
    {
        "SlowDown", "Throttling", "ThrottlingException", "ThrottledException", "RequestLimitExceeded", "TooManyRequestsException",
        "RequestThrottled", "RequestThrottledException", "ProvisionedThroughputExceededException", "LimitExceededException",
    };

    private static readonly Regex ExpectedRegion = new(@"expecting '([a-z0-9-]+)'", RegexOptions.CultureInvariant);
    private static readonly Regex RegionName = new("^[a-z0-9-]{1,40}$", RegexOptions.CultureInvariant);

    /// <summary>True for exceptions <see cref="Map"/> turns into a BedrockCostException.</summary>
    public static bool IsAwsFailure(Exception e) =>
        e is AmazonServiceException or AmazonClientException or HttpRequestException or SocketException or IOException or TimeoutException;

    /// <param name="e">The failure.</param>
    /// <param name="what">What was being done, for the message: "listing s3://bucket/prefix".</param>
    /// <param name="target">The error record's target (an S3 URI, an operation).</param>
    /// <param name="region">The region used, for wrong-region hints.</param>
    public static BedrockCostException Map(Exception e, string what, string? target, string? region = null)
    {
        if (e is BedrockCostException bce) return bce;
        if (e is AmazonServiceException s)
        {
            var code = s.ErrorCode ?? string.Empty;
            var status = (int)s.StatusCode;
            if (code.Equals("NoSuchBucket", StringComparison.OrdinalIgnoreCase))
                return new(ErrorIds.S3BucketNotFound, ErrorKind.NotFound,
                    $"The bucket does not exist ({what}). Check the bucket name in -S3Uri/-Bucket and the account it belongs to.", target, e);
            if (code.Equals("NoSuchKey", StringComparison.OrdinalIgnoreCase))
                return new(ErrorIds.S3ObjectNotFound, ErrorKind.NotFound,
                    $"The object no longer exists ({what}); the export was probably refreshed during the run. Run the command again.", target, e);
            if (status == 301 || code is "PermanentRedirect" or "AuthorizationHeaderMalformed" or "IllegalLocationConstraintException" or "IncorrectEndpoint")
            {
                var hint = RegionHint(s);
                return new(ErrorIds.AwsWrongRegion, ErrorKind.InvalidArgument,
                    $"The bucket is in another region than {region ?? "the one used"} ({what}). " +
                    (hint is null ? "Pass the bucket's region with -Region." : $"Pass -Region {hint}."), target, e);
            }
            if (status == 403 || DeniedCodes.Contains(code))
                return new(ErrorIds.AwsAccessDenied, ErrorKind.PermissionDenied,
                    $"Access denied ({what}): {Code(s)}. The credentials in use need s3:ListBucket on the bucket and s3:GetObject on the export " +
                    "(for cross-account billing buckets, a bucket policy or a role in the billing account). Run with -Debug to see which credentials were used.",
                    target, e);
            if (status == 429 || ThrottleCodes.Contains(code) || (status == 503 && code.Length == 0))
                return new(ErrorIds.AwsThrottled, ErrorKind.LimitsExceeded,
                    $"AWS kept throttling the requests ({what}) after {AwsCredentialResolver.MaxRetries} retries with backoff: {Code(s)}. Try again later or with fewer parallel jobs.",
                    target, e);
            return new(ErrorIds.AwsRequestFailed, ErrorKind.InvalidOperation, $"AWS request failed ({what}): {Code(s)}.", target, e);
        }
        if (Network(e) is { } net)
            return new(ErrorIds.AwsNetworkError, ErrorKind.ConnectionError,
                $"Network failure ({what}): {net.Message} Check the network, proxy and -EndpointUrl/-Region.", target, e);
        if (e is AmazonClientException c)
            return new(ErrorIds.AwsRequestFailed, ErrorKind.InvalidOperation, $"AWS request failed ({what}): {c.Message}", target, e);
        return new(ErrorIds.AwsRequestFailed, ErrorKind.InvalidOperation, $"AWS request failed ({what}): {e.Message}", target, e);
    }

    // The code and message come from the server: shown printable and short.
    private static string Code(AmazonServiceException s) =>
        $"{(string.IsNullOrEmpty(s.ErrorCode) ? "error" : Printable.Of(s.ErrorCode, 80))} (HTTP {(int)s.StatusCode}{(string.IsNullOrEmpty(s.Message) ? "" : ": " + Printable.Of(s.Message.TrimEnd('.')))})";

    private static Exception? Network(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
            if (x is HttpRequestException or SocketException or IOException or TimeoutException or WebException) return x;
        return null;
    }

    private static string? RegionHint(AmazonServiceException s)
    {
        var m = ExpectedRegion.Match(s.Message ?? string.Empty);
        if (m.Success) return m.Groups[1].Value;
        // S3 names the bucket's region in the x-amz-bucket-region header and in the Region element of the body.
        for (Exception? x = s; x is not null; x = x.InnerException)
            if (x is Amazon.Runtime.Internal.HttpErrorResponseException h &&
                h.Response?.GetHeaderValue("x-amz-bucket-region") is { Length: > 0 } header && RegionName.IsMatch(header))
                return header;
        var r = Regex.Match(s.Message ?? string.Empty, @"<Region>([a-z0-9-]+)</Region>");
        return r.Success ? r.Groups[1].Value : null;
    }
}
