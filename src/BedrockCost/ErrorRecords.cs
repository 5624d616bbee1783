using System.Management.Automation;
using BedrockCost.Core;

namespace BedrockCost;

/// <summary>Every ErrorRecord the module writes is built here: stable ids, real categories, no stack traces.</summary>
internal static class ErrorRecords
{
    public static ErrorRecord From(BedrockCostException e) =>
        new(e, e.ErrorId, Category(e.Kind), e.Target);

    public static ErrorRecord Create(string errorId, ErrorKind kind, string message, object? target = null) =>
        From(new BedrockCostException(errorId, kind, message, target));

    public static ErrorCategory Category(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
        ErrorKind.NotFound => ErrorCategory.ObjectNotFound,
        ErrorKind.InvalidData => ErrorCategory.InvalidData,
        ErrorKind.PermissionDenied => ErrorCategory.PermissionDenied,
        ErrorKind.ResourceUnavailable => ErrorCategory.ResourceUnavailable,
        ErrorKind.ConnectionError => ErrorCategory.ConnectionError,
        ErrorKind.LimitsExceeded => ErrorCategory.LimitsExceeded,
        ErrorKind.OperationTimeout => ErrorCategory.OperationTimeout,
        ErrorKind.NotImplemented => ErrorCategory.NotImplemented,
        ErrorKind.WriteError => ErrorCategory.WriteError,
        _ => ErrorCategory.InvalidOperation,
    };

    /// <summary>Argument errors stop the command; errors of one input are written and the command goes on.</summary>
    public static bool IsTerminating(BedrockCostException e) => e.Kind is ErrorKind.InvalidArgument;
}
