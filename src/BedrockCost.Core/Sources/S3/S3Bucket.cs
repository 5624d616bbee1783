using Amazon.S3;
using Amazon.S3.Model;
using BedrockCost.Core.Aws;

namespace BedrockCost.Core.Sources.S3;

/// <summary>
/// One S3 location through the SDK: listing an export the way the layout needs it, and reading objects, with
/// every SDK and network failure mapped to the module's errors. The S3 object stores share it.
/// </summary>
public sealed class S3Bucket : IDisposable
{
    private readonly AwsConnection _connection;
    private readonly IAmazonS3 _s3;

    public S3Bucket(S3Location location, AwsConnection connection)
    {
        Location = location;
        _connection = connection;
        var config = new AmazonS3Config();
        connection.Configure(config);
        if (connection.EndpointUrl is not null) config.ForcePathStyle = true;
        _s3 = new AmazonS3Client(connection.Credentials, config);
    }

    public S3Location Location { get; }

    /// <summary>The endpoint, region and bucket: an object's identity (and its cache key) includes them.</summary>
    public string Identity => $"s3:{_connection.EndpointUrl ?? "aws"}|{_connection.Region}:{Location.Bucket}";

    /// <summary>
    /// Bounds of a listing, which the server chooses: pages (S3 sends up to 1,000 keys a page), objects, and
    /// truncated pages in a row that bring no key. Beyond them the listing ends with InvalidS3Response.
    /// </summary>
    internal int MaxPages { get; init; } = 20_000;
    internal int MaxObjects { get; init; } = 2_000_000;
    internal int MaxEmptyPages { get; init; } = 100;
    private const int MaxKeyBytes = 1024;
    private const long MaxObjectSize = 5L << 40; // S3's largest object, 5 TiB

    public async Task<IReadOnlyList<StoredObject>> ListAsync(IOperationContext ctx, CancellationToken ct)
    {
        var prefix = Location.Prefix.TrimStart('/');
        // Inside an export (".../EXPORT/data/BILLING_PERIOD=..."): list from the export root so that the
        // layout and the manifests are seen, and keep only the data files under the prefix given.
        var at = ("/" + prefix).IndexOf("/data/", StringComparison.OrdinalIgnoreCase);
        if (at < 0 && ("/" + prefix.TrimEnd('/')).EndsWith("/data", StringComparison.OrdinalIgnoreCase)) at = ("/" + prefix.TrimEnd('/')).Length - 5;
        var listFrom = at >= 0 ? prefix[..at] : prefix.Length == 0 || prefix.EndsWith('/') ? prefix : prefix + "/";
        var objects = await ListPrefixAsync(listFrom, ctx, ct).ConfigureAwait(false);
        if (at >= 0) objects = objects.Where(o => ExportLayout.InScope(o.Key, prefix)).ToList();
        else if (objects.Count == 0 && prefix.Length > 0 && !prefix.EndsWith('/'))
            objects = (await ListPrefixAsync(prefix, ctx, ct).ConfigureAwait(false)).Where(o => o.Key == prefix).ToList();
        ctx.Debug($"Listed {objects.Count} object(s) under s3://{Location.Bucket}/{listFrom}");
        return objects;
    }

    private async Task<List<StoredObject>> ListPrefixAsync(string prefix, IOperationContext ctx, CancellationToken ct)
    {
        var objects = new List<StoredObject>();
        var request = new ListObjectsV2Request { BucketName = Location.Bucket, Prefix = prefix.Length == 0 ? null : prefix };
        var tokens = new HashSet<string>(StringComparer.Ordinal);
        var what = $"listing s3://{Location.Bucket}/{prefix}";
        for (int pages = 1, empty = 0; ; pages++)
        {
            var response = await CallAsync(() => _s3.ListObjectsV2Async(request, ct), what, ct).ConfigureAwait(false);
            var page = response.S3Objects ?? new List<S3Object>();
            foreach (var o in page)
                if (!o.Key.EndsWith('/'))
                    objects.Add(Listed(o, what));
            if (response.IsTruncated != true) break;
            // The server decides when a listing ends: a token seen before, or pages without end, would list forever.
            var token = response.NextContinuationToken;
            if (string.IsNullOrEmpty(token) || !tokens.Add(token))
                throw Invalid(what, string.IsNullOrEmpty(token) ? "a page says more follow but gives no continuation token" : "it sent a continuation token it had sent before (the listing would never end)");
            empty = page.Count == 0 ? empty + 1 : 0;
            if (pages >= MaxPages || objects.Count > MaxObjects || empty > MaxEmptyPages)
                throw Invalid(what, $"the listing did not end after {pages:N0} pages and {objects.Count:N0} objects, more than an export has");
            Check(token, "continuation token", what, 4096);
            request.ContinuationToken = token;
            ctx.Debug($"Listed {objects.Count} object(s) so far under s3://{Location.Bucket}/{prefix}");
        }
        return objects;
    }

    /// <summary>A listed object, once its key, ETag and size are ones S3 can send: they name files in messages and go into requests.</summary>
    private StoredObject Listed(S3Object o, string what)
    {
        Check(o.Key, "key", what, MaxKeyBytes);
        var etag = o.ETag?.Trim('"');
        if (etag is not null) Check(etag, $"ETag of '{Printable.Of(o.Key)}'", what, 256, quote: true);
        if (o.Size is < 0 or > MaxObjectSize) throw Invalid(what, $"it lists '{Printable.Of(o.Key)}' with a size of {o.Size:N0} bytes");
        var modified = o.LastModified is { } lm ? new DateTimeOffset(DateTime.SpecifyKind(lm, lm.Kind == DateTimeKind.Unspecified ? DateTimeKind.Utc : lm.Kind)) : default;
        return new StoredObject(o.Key, o.Size ?? 0, modified, etag);
    }

    /// <summary>
    /// Text from the server that goes into file names, messages or request headers: no control character (a CR LF in
    /// an ETag would add a header to the next request), valid UTF-16, within a length.
    /// </summary>
    private void Check(string value, string name, string what, int maxBytes, bool quote = false)
    {
        var bad = value.Length == 0 || value.Any(c => char.IsControl(c) || quote && c == '"') || HasLoneSurrogate(value) ||
                  System.Text.Encoding.UTF8.GetByteCount(value) > maxBytes;
        if (bad) throw Invalid(what, $"it sent a {name} that is empty, too long or holds control characters: '{Printable.Of(value, 120)}'");
    }

    private static bool HasLoneSurrogate(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) i++;
            else if (char.IsSurrogate(s[i])) return true;
        }
        return false;
    }

    private BedrockCostException Invalid(string what, string why) =>
        new(ErrorIds.InvalidS3Response, ErrorKind.InvalidData,
            $"The S3 endpoint's answer cannot be trusted ({what}): {why}. Nothing was read. Check -EndpointUrl and the bucket.", Location.ToString());

    /// <summary>The content of the listed version of <paramref name="obj"/> (a network stream; map its read failures with <see cref="CallAsync{T}"/>).</summary>
    public async Task<Stream> GetAsync(StoredObject obj, CancellationToken ct)
    {
        var request = new GetObjectRequest { BucketName = Location.Bucket, Key = obj.Key };
        // Only that version of the object: one that changed since the listing fails (PreconditionFailed).
        if (!string.IsNullOrEmpty(obj.ETag)) request.EtagToMatch = $"\"{obj.ETag}\"";
        var response = await _s3.GetObjectAsync(request, ct).ConfigureAwait(false);
        // What the server says of the object must be what it listed: the same version, the same size.
        var etag = response.ETag?.Trim('"');
        if ((!string.IsNullOrEmpty(obj.ETag) && etag is not null && etag != obj.ETag) || response.ContentLength > obj.Size)
        {
            response.Dispose();
            throw Invalid($"reading s3://{Location.Bucket}/{Printable.Of(obj.Key)}",
                $"it answered with ETag '{Printable.Of(etag, 80)}' and {response.ContentLength:N0} bytes for an object listed with ETag '{obj.ETag}' and {obj.Size:N0} bytes");
        }
        return response.ResponseStream;
    }

    /// <summary>
    /// Bytes [<paramref name="start"/>, <paramref name="start"/> + <paramref name="destination"/>.Length) of the listed
    /// version of <paramref name="obj"/>, with one ranged GET. The request names the version (If-Match) and the answer
    /// must be that version, that range of an object of that size, and exactly that many bytes: anything else is an
    /// error, so a restated object is never mixed with its former self and a short answer is never taken for data.
    /// </summary>
    public Task GetRangeAsync(StoredObject obj, long start, Memory<byte> destination, CancellationToken ct) =>
        CallAsync(async () =>
        {
            var end = start + destination.Length - 1;
            var request = new GetObjectRequest { BucketName = Location.Bucket, Key = obj.Key, ByteRange = new ByteRange(start, end) };
            if (!string.IsNullOrEmpty(obj.ETag)) request.EtagToMatch = $"\"{obj.ETag}\"";
            using var response = await _s3.GetObjectAsync(request, ct).ConfigureAwait(false);
            RangeResponse.Check(obj, start, destination.Length, response.ETag, response.ContentRange, response.ContentLength, Location.ToString());
            var read = await response.ResponseStream.ReadAtLeastAsync(destination, destination.Length, throwOnEndOfStream: false, ct).ConfigureAwait(false);
            if (read != destination.Length || await response.ResponseStream.ReadAsync(new byte[1], ct).ConfigureAwait(false) != 0)
                throw RangeResponse.Invalid(obj, start, destination.Length, $"{(read < destination.Length ? read : "more than " + read)} bytes arrived", Location.ToString());
            return 0;
        }, $"reading s3://{Location.Bucket}/{obj.Key}", ct);

    /// <summary>Runs an S3 call; SDK, network and timeout failures become the module's errors, naming <paramref name="what"/>.</summary>
    public async Task<T> CallAsync<T>(Func<Task<T>> action, string what, CancellationToken ct)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException e)
        {
            throw AwsErrors.Map(new TimeoutException("The request timed out.", e), what, Location.ToString(), _connection.Region);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0 && e.InnerExceptions.All(x => x is not OperationCanceledException))
        {
            throw AwsErrors.Map(e.InnerExceptions[0], what, Location.ToString(), _connection.Region);
        }
        catch (Exception e) when (e is System.Xml.XmlException || e.InnerException is System.Xml.XmlException)
        {
            // The SDK reads S3's answers as XML: one that is not XML 1.0 (a control character in a key) was not sent by S3.
            throw Invalid(what, $"its answer is not valid XML ({Printable.Of((e as System.Xml.XmlException ?? e.InnerException)!.Message, 160)})");
        }
        catch (Exception e) when (e is not BedrockCostException && AwsErrors.IsAwsFailure(e))
        {
            var mapped = AwsErrors.Map(e, what, Location.ToString(), _connection.Region);
            // A version changed between listing and download (EtagToMatch): the export is being refreshed.
            if (e is AmazonS3Exception { StatusCode: System.Net.HttpStatusCode.PreconditionFailed })
                mapped = new BedrockCostException(ErrorIds.S3ObjectNotFound, ErrorKind.ResourceUnavailable,
                    $"An object changed while it was being read ({what}); the export is being refreshed. Run the command again.", Location.ToString(), e);
            throw mapped;
        }
    }

    public void Dispose() => _s3.Dispose();
}

/// <summary>What a ranged GET must answer: the version asked for, the range asked for, of the object's size.</summary>
internal static class RangeResponse
{
    public static void Check(StoredObject obj, long start, long length, string? etag, string? contentRange, long contentLength, string location)
    {
        var end = start + length - 1;
        if (!string.IsNullOrEmpty(obj.ETag) && !string.IsNullOrEmpty(etag) && etag.Trim('"') != obj.ETag)
            throw new BedrockCostException(ErrorIds.S3ObjectNotFound, ErrorKind.ResourceUnavailable,
                $"An object changed while it was being read (s3://.../{obj.Key}: ETag {etag.Trim('"')} where the listing said {obj.ETag}); " +
                "the export is being refreshed. Run the command again.", location);
        if (contentRange != $"bytes {start}-{end}/{obj.Size}")
            throw Invalid(obj, start, length, $"the server answered the range '{contentRange}'", location);
        if (contentLength != length)
            throw Invalid(obj, start, length, $"the server announced {contentLength} bytes", location);
    }

    public static BedrockCostException Invalid(StoredObject obj, long start, long length, string what, string location) =>
        new(ErrorIds.AwsRequestFailed, ErrorKind.InvalidOperation,
            $"A ranged read of '{obj.Key}' (bytes {start}-{start + length - 1} of {obj.Size}) failed: {what}. Nothing was counted from it; run the command again.",
            location);
}
