namespace BedrockCost.Core;

/// <summary>Error kinds of the core; the cmdlet layer maps them to PowerShell error categories.</summary>
public enum ErrorKind
{
    InvalidArgument,
    NotFound,
    InvalidData,
    PermissionDenied,
    ResourceUnavailable,
    ConnectionError,
    LimitsExceeded,
    OperationTimeout,
    InvalidOperation,
    NotImplemented,
    WriteError,
    ReadError,
    InvalidResult,
    NotSpecified,
}

/// <summary>
/// A failure the user can act on. <see cref="ErrorId"/> is stable (tests and scripts match on it);
/// the message says what is wrong and what to do, never a stack trace or a credential.
/// </summary>
public sealed class BedrockCostException : Exception
{
    public BedrockCostException(string errorId, ErrorKind kind, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
    }

    public string ErrorId { get; }
    public ErrorKind Kind { get; }
    public object? Target { get; }
}

/// <summary>
/// Every error id the module writes, one table. Ids are stable: tests and users' scripts match on them, and
/// about_BedrockCost lists each with what it means and what to do (a test checks both ways).
/// </summary>
public static class ErrorIds
{
    // Input: paths, CUR files, exports
    public const string PathNotFound = "PathNotFound";
    public const string PathNotFileSystem = "PathNotFileSystem";
    public const string FileReadFailed = "FileReadFailed";
    public const string NoCurFiles = "NoCurFiles";
    public const string NotCurData = "NotCurData";
    public const string CorruptFile = "CorruptFile";
    public const string MissingColumn = "MissingColumn";
    public const string CsvHeaderInvalid = "CsvHeaderInvalid";
    public const string ManifestInvalid = "ManifestInvalid";
    public const string ManifestFileMissing = "ManifestFileMissing";
    public const string CsvRecordTooLong = "CsvRecordTooLong";
    public const string InvalidCostValue = "InvalidCostValue";
    public const string CostSumOverflow = "CostSumOverflow";
    public const string BillingPeriodNotFound = "BillingPeriodNotFound";
    public const string MixedCurrencies = "MixedCurrencies";

    // Query parameters
    public const string InvalidBillingPeriod = "InvalidBillingPeriod";
    public const string InvalidDateRange = "InvalidDateRange";
    public const string InvalidGroupBy = "InvalidGroupBy";

    // AWS: credentials, S3, the download cache
    public const string AwsProfileNotFound = "AwsProfileNotFound";
    public const string AwsCredentialsNotFound = "AwsCredentialsNotFound";
    public const string AwsInvalidParameter = "AwsInvalidParameter";
    public const string AwsAccessDenied = "AwsAccessDenied";
    public const string AwsWrongRegion = "AwsWrongRegion";
    public const string AwsThrottled = "AwsThrottled";
    public const string AwsNetworkError = "AwsNetworkError";
    public const string AwsRequestFailed = "AwsRequestFailed";
    public const string S3BucketNotFound = "S3BucketNotFound";
    public const string S3ObjectNotFound = "S3ObjectNotFound";
    public const string CacheWriteFailed = "CacheWriteFailed";
    public const string InvalidS3Response = "InvalidS3Response";

    // Cost Explorer and cost allocation tags
    public const string CostExplorerDataUnavailable = "CostExplorerDataUnavailable";
    public const string CostExplorerCannotGroupBy = "CostExplorerCannotGroupBy";
    public const string CostExplorerCannotFilterBy = "CostExplorerCannotFilterBy";
    public const string CostExplorerInvalidRequest = "CostExplorerInvalidRequest";
    public const string CostExplorerBadResponse = "CostExplorerBadResponse";
    public const string CostAllocationTagNotFound = "CostAllocationTagNotFound";
    public const string CostAllocationTagActivationFailed = "CostAllocationTagActivationFailed";

    // Athena and Data Exports
    public const string AthenaInvalidParameter = "AthenaInvalidParameter";
    public const string AthenaTableNotFound = "AthenaTableNotFound";
    public const string AthenaTableNotCur = "AthenaTableNotCur";
    public const string AthenaOutputLocationRequired = "AthenaOutputLocationRequired";
    public const string AthenaQueryFailed = "AthenaQueryFailed";
    public const string AthenaQueryCancelled = "AthenaQueryCancelled";
    public const string AthenaBadResponse = "AthenaBadResponse";
    public const string AthenaResultIncomplete = "AthenaResultIncomplete";
    public const string DataExportsBucketNotWritable = "DataExportsBucketNotWritable";
    public const string DataExportsInvalidRequest = "DataExportsInvalidRequest";

    // Chargeback: mapping files, policies, report files
    public const string MappingFileNotFound = "MappingFileNotFound";
    public const string MappingFileInvalid = "MappingFileInvalid";
    public const string MappingRuleInvalid = "MappingRuleInvalid";
    public const string UnallocatedOwnerRequired = "UnallocatedOwnerRequired";
    public const string NoChargebackInput = "NoChargebackInput";
    public const string OutputFileExists = "OutputFileExists";
    public const string OutputWriteFailed = "OutputWriteFailed";
    public const string DestinationNotFound = "DestinationNotFound";

    // Insights
    public const string InvalidSensitivity = "InvalidSensitivity";
    public const string InvalidBudget = "InvalidBudget";

    /// <summary>An exception the module did not explain itself (the cmdlet boundary's last resort).</summary>
    public const string UnexpectedError = "UnexpectedError";
}

/// <summary>
/// Text from a file, a manifest or a bucket as messages show it: control characters and invisible format
/// characters (bidirectional overrides) as \u escapes, and cut at a length, so a hostile value can neither
/// forge lines or headers in the output nor flood it.
/// </summary>
public static class Printable
{
    public static string Of(string? value, int maxLength = 300)
    {
        if (value is null) return string.Empty;
        var sb = new System.Text.StringBuilder(Math.Min(value.Length, maxLength) + 16);
        foreach (var c in value)
        {
            if (sb.Length >= maxLength) return sb.Append("...").ToString();
            if (char.IsControl(c) || char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.Format or System.Globalization.UnicodeCategory.Surrogate)
                sb.Append("\\u").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
            else sb.Append(c);
        }
        return sb.ToString();
    }
}
