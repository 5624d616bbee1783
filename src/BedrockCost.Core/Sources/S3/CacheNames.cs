using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace BedrockCost.Core.Sources.S3;

/// <summary>
/// The naming rules of every on-disk cache of S3 objects (whole objects in <see cref="DownloadCache"/>, blocks of
/// ranged reads): a key, a bucket and an ETag come from the bucket and never choose where a file is written.
/// A file's name is a hash of the object's identity (store: endpoint, region and bucket; key; ETag, else time;
/// size; and the part of it cached) plus a short ASCII stem for humans; it holds no '/', '\', ':', '..', control
/// or non-ASCII character, and is at most <see cref="MaxNameBytes"/> bytes (ASCII, so characters and bytes agree).
/// Temporary files are the final name plus a random part and <see cref="TemporarySuffix"/>; cleanup removes only
/// names of that exact shape (<see cref="IsTemporary"/>).
/// </summary>
public static partial class CacheNames
{
    public const int MaxNameBytes = 100;
    public const string TemporarySuffix = ".partial";
    private const int HashChars = 32;

    /// <summary>The cache key of an object's version: whatever differs (endpoint, region, bucket, key, ETag, size) is another file.</summary>
    public static string Key(string storeIdentity, StoredObject obj, string? part = null) =>
        string.Join('\n', storeIdentity, obj.Key, obj.ETag ?? obj.LastModified.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture),
            obj.Size.ToString(System.Globalization.CultureInfo.InvariantCulture), part ?? string.Empty);

    /// <summary>
    /// Where the object (or its <paramref name="part"/>, for a block cache: "b000042") lives under a cache folder:
    /// "ab/abcdef…-stem". The first two hash characters spread files over 256 folders.
    /// </summary>
    public static string RelativePath(string storeIdentity, StoredObject obj, string? part = null)
    {
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Key(storeIdentity, obj, part))))[..HashChars].ToLowerInvariant();
        var suffix = part is null ? string.Empty : "-" + Stem(part, 24);
        var stem = Stem(obj.Key[(obj.Key.LastIndexOf('/') + 1)..], MaxNameBytes - HashChars - 1 - suffix.Length);
        return Path.Combine(hash[..2], $"{hash}-{stem}{suffix}");
    }

    /// <summary>A new temporary name for a file being written as <paramref name="finalPath"/>.</summary>
    public static string TemporaryPath(string finalPath) => $"{finalPath}.{Guid.NewGuid():N}{TemporarySuffix}";

    /// <summary>A name the module gave a temporary file in a cache folder (and nothing else: a user's file.partial is not one).</summary>
    public static bool IsTemporary(string fileName) => TemporaryName().IsMatch(fileName);

    /// <summary>A cache's subfolder (two hex digits): the only folders cleanup looks into.</summary>
    public static bool IsCacheFolder(string folderName) => folderName.Length == 2 && folderName.All(char.IsAsciiHexDigitLower);

    /// <summary>The last key segment in ASCII letters, digits, '.', '-', '_' (others as '_'), at most <paramref name="max"/> bytes, keeping its end (the extension).</summary>
    private static string Stem(string segment, int max)
    {
        var sb = new StringBuilder(segment.Length);
        foreach (var c in segment) sb.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' || (c == '.' && sb.Length > 0 && sb[^1] != '.') ? c : '_');
        var stem = sb.ToString().TrimEnd('.');
        if (stem.Length > max) stem = stem[^max..].TrimStart('.');
        return stem.Length == 0 ? "object" : stem;
    }

    [GeneratedRegex("^[0-9a-f]{32}-[A-Za-z0-9._-]{1,80}\\.[0-9a-f]{32}\\.partial$", RegexOptions.CultureInvariant)]
    private static partial Regex TemporaryName();

    /// <summary>
    /// The file of the byte range [start, start + length) of an object, inside the object's range folder (itself named by
    /// <see cref="RelativePath"/>): digits only, so nothing of the bucket's choosing reaches the name.
    /// </summary>
    public static string RangeFileName(long start, long length) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{start}-{length}.range");

    /// <summary>The range a file name of <see cref="RangeFileName"/> stands for; false for any other name.</summary>
    public static bool TryParseRange(string fileName, out long start, out long length)
    {
        start = length = 0;
        var m = RangeName().Match(fileName);
        return m.Success &&
               long.TryParse(m.Groups[1].ValueSpan, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out start) &&
               long.TryParse(m.Groups[2].ValueSpan, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out length);
    }

    /// <summary>A temporary file the module gave a range being written (<see cref="TemporaryPath"/> of a <see cref="RangeFileName"/>).</summary>
    public static bool IsRangeTemporary(string fileName) => RangeTemporaryName().IsMatch(fileName);

    /// <summary>An object's range folder (<see cref="RelativePath"/> of the object with part "ranges"), and nothing else.</summary>
    public static bool IsRangeFolder(string folderName) => RangeFolderName().IsMatch(folderName);

    [GeneratedRegex(@"^(\d{1,19})-(\d{1,19})\.range$", RegexOptions.CultureInvariant)]
    private static partial Regex RangeName();

    [GeneratedRegex(@"^\d{1,19}-\d{1,19}\.range\.[0-9a-f]{32}\.partial$", RegexOptions.CultureInvariant)]
    private static partial Regex RangeTemporaryName();

    [GeneratedRegex("^[0-9a-f]{32}-[A-Za-z0-9._-]{1,80}-ranges$", RegexOptions.CultureInvariant)]
    private static partial Regex RangeFolderName();
}
