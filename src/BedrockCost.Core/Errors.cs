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

/// <summary>
/// What the user can do about each error of <see cref="ErrorIds"/>: the ErrorRecord's RecommendedAction
/// (ErrorDetails), set for every error the module writes. One entry per id; a test checks that none is missing.
/// </summary>
public static class ErrorAdvice
{
    public static string? For(string errorId) => Actions.GetValueOrDefault(errorId);

    private static readonly Dictionary<string, string> Actions = new(StringComparer.Ordinal)
    {
        [ErrorIds.PathNotFound] = "Check the path; use -LiteralPath for a name with wildcard characters.",
        [ErrorIds.PathNotFileSystem] = "Give a file or folder on a file-system drive (C:\\..., /..., or a relative path).",
        [ErrorIds.FileReadFailed] = "Check that the file can be read (permissions, a lock by another program, the disk), then run the command again.",
        [ErrorIds.NoCurFiles] = "Point -Path at the export folder (EXPORT/data/BILLING_PERIOD=...) or -S3Uri at the export's prefix; Get-BedrockCostExport lists what is there.",
        [ErrorIds.NotCurData] = "Export the CUR 2.0 table (COST_AND_USAGE_REPORT) with AWS Data Exports, and point at its files.",
        [ErrorIds.CorruptFile] = "Download or copy the file again, or remove it from the folder.",
        [ErrorIds.MissingColumn] = "Export the CUR 2.0 table with its standard columns.",
        [ErrorIds.CsvHeaderInvalid] = "Export the CUR 2.0 table with its standard columns, with the header row.",
        [ErrorIds.ManifestInvalid] = "Copy the export's metadata folder again.",
        [ErrorIds.ManifestFileMissing] = "Copy the whole export folder again, or wait until AWS has finished delivering the period.",
        [ErrorIds.CsvRecordTooLong] = "Download or copy the file again; if it persists, the file is not CUR 2.0 data: remove it from the folder.",
        [ErrorIds.InvalidCostValue] = "Download or copy the file again; the totals leave these line items out until the file is whole.",
        [ErrorIds.CostSumOverflow] = "Check the file the message names: no real bill reaches these amounts, so it is damaged or not CUR data.",
        [ErrorIds.BillingPeriodNotFound] = "Use one of the billing periods present (the message lists them); Get-BedrockCostExport shows every period.",
        [ErrorIds.MixedCurrencies] = "Filter or group by Currency before adding rows up; never add amounts of different currencies.",
        [ErrorIds.InvalidBillingPeriod] = "Use YYYY-MM, for example 2026-05.",
        [ErrorIds.InvalidDateRange] = "Give a -StartDate before the -EndDate.",
        [ErrorIds.InvalidGroupBy] = "Use the dimensions tab completion offers for -GroupBy, or a tag key such as iamPrincipal/team.",
        [ErrorIds.AwsProfileNotFound] = "List the profiles with 'aws configure list-profiles' (or tab-complete -ProfileName) and pass one that exists.",
        [ErrorIds.AwsCredentialsNotFound] = "Pass -ProfileName, -Credential or -AccessKey/-SecretKey, run Set-AWSCredential, or configure a default profile with 'aws configure'.",
        [ErrorIds.AwsInvalidParameter] = "Correct the parameter the message names.",
        [ErrorIds.AwsAccessDenied] = "Run with -Debug to see which credentials were used, and grant them the permission the message names.",
        [ErrorIds.AwsWrongRegion] = "Pass the -Region the message names.",
        [ErrorIds.AwsThrottled] = "Run the command again later.",
        [ErrorIds.AwsNetworkError] = "Check the network, the proxy and -EndpointUrl, then run the command again.",
        [ErrorIds.AwsRequestFailed] = "Read AWS's code and text in the message; run again with -Debug for the request details.",
        [ErrorIds.S3BucketNotFound] = "Check the bucket name in -S3Uri or -Bucket, and the account of the credentials.",
        [ErrorIds.S3ObjectNotFound] = "The export is being refreshed: run the command again.",
        [ErrorIds.InvalidS3Response] = "Check -EndpointUrl and the bucket: the server's answer does not match what it listed.",
        [ErrorIds.CacheWriteFailed] = "Free disk space, choose another -CacheDirectory, or use -NoCache.",
        [ErrorIds.CostExplorerDataUnavailable] = "Enable Cost Explorer in the management account, or ask for dates within its last 13 months.",
        [ErrorIds.CostExplorerCannotGroupBy] = "Group by a principal tag, Model, Account, Day, Month or BillingPeriod, or read a CUR 2.0 export with -Path or -S3Uri.",
        [ErrorIds.CostExplorerCannotFilterBy] = "Filter by a principal tag or exact values, or read a CUR 2.0 export with -Path or -S3Uri.",
        [ErrorIds.CostExplorerInvalidRequest] = "Correct the request as Cost Explorer's reason in the message says.",
        [ErrorIds.CostExplorerBadResponse] = "Run the command again; report the message if it persists.",
        [ErrorIds.CostAllocationTagNotFound] = "Wait until a principal with that tag has made a billed call (24-48 hours), then try again.",
        [ErrorIds.CostAllocationTagActivationFailed] = "Run the command with credentials of the management (payer) account.",
        [ErrorIds.AthenaInvalidParameter] = "Give -Catalog, -Database and -Table as Glue names (letters, digits, underscores), and values without NUL characters.",
        [ErrorIds.AthenaTableNotFound] = "Check -Catalog, -Database, -Table and -Region: they must name the CUR 2.0 export's table in that region.",
        [ErrorIds.AthenaTableNotCur] = "Point -Database and -Table at the table of a CUR 2.0 export (COST_AND_USAGE_REPORT).",
        [ErrorIds.AthenaOutputLocationRequired] = "Pass -OutputLocation (s3://bucket/prefix/), or set a query result location on the workgroup.",
        [ErrorIds.AthenaQueryFailed] = "Read Athena's reason in the message; run again with -Debug for the query.",
        [ErrorIds.AthenaQueryCancelled] = "Run the command again; raise the workgroup's data usage limit if it stopped the query.",
        [ErrorIds.AthenaBadResponse] = "Run the command again; report the message if it persists.",
        [ErrorIds.AthenaResultIncomplete] = "Run the command again: nothing was reported from the incomplete result.",
        [ErrorIds.DataExportsBucketNotWritable] = "Add the bucket policy statement the message shows (bcm-data-exports.amazonaws.com and billingreports.amazonaws.com), then run the command again.",
        [ErrorIds.DataExportsInvalidRequest] = "Correct the export as Data Exports' reason in the message says (another -ExportName if it is in use).",
        [ErrorIds.MappingFileNotFound] = "Check the -MappingFile path.",
        [ErrorIds.MappingFileInvalid] = "Give a CSV or JSON file with the columns Pattern and CostCenter (optional: Match, Owner, MonthlyBudget).",
        [ErrorIds.MappingRuleInvalid] = "Correct the rule the message names.",
        [ErrorIds.UnallocatedOwnerRequired] = "Add -UnallocatedOwner with the cost centre that takes unallocated cost.",
        [ErrorIds.NoChargebackInput] = "Pipe PrincipalCost rows (Get-BedrockCostByPrincipal ...) or give a source with -Path, -S3Uri or -CostExplorer.",
        [ErrorIds.OutputFileExists] = "Use -Force to overwrite the file, or choose another -Destination.",
        [ErrorIds.OutputWriteFailed] = "Check the destination's permissions and free space; nothing partial was left behind.",
        [ErrorIds.DestinationNotFound] = "Create the folder, or give an existing -Destination.",
        [ErrorIds.InvalidSensitivity] = "Use Low, Medium, High or a positive number.",
        [ErrorIds.InvalidBudget] = "Give each budget a name and an amount of at least 0.",
        [ErrorIds.UnexpectedError] = "Report the command you ran and this message; the inner exception has the details.",
    };
}
