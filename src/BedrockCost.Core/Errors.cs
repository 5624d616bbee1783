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

/// <summary>Stable error ids, one place.</summary>
public static class ErrorIds
{
    public const string PathNotFound = "PathNotFound";
    public const string NoCurFiles = "NoCurFiles";
    public const string NotCurData = "NotCurData";
    public const string CorruptFile = "CorruptFile";
    public const string MissingColumn = "MissingColumn";
    public const string CsvHeaderInvalid = "CsvHeaderInvalid";
    public const string MixedCurrencies = "MixedCurrencies";
    public const string InvalidBillingPeriod = "InvalidBillingPeriod";
    public const string InvalidDateRange = "InvalidDateRange";
    public const string InvalidGroupBy = "InvalidGroupBy";
    public const string BillingPeriodNotFound = "BillingPeriodNotFound";
    public const string ManifestInvalid = "ManifestInvalid";
    public const string ManifestFileMissing = "ManifestFileMissing";
    public const string NoPrincipalColumn = "NoPrincipalColumn";
    public const string PathNotFileSystem = "PathNotFileSystem";
    public const string UnexpectedError = "UnexpectedError";
}
