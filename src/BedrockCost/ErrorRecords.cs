using System.Management.Automation;
using BedrockCost.Core;

namespace BedrockCost;

/// <summary>Every ErrorRecord the module writes is built here: stable ids, real categories, no stack traces.</summary>
internal static class ErrorRecords
{
    /// <summary>The record of a module error, with its RecommendedAction from the error-id table.</summary>
    public static ErrorRecord From(BedrockCostException e)
    {
        var record = new ErrorRecord(e, e.ErrorId, Category(e.Kind), e.Target);
        if (ErrorAdvice.For(e.ErrorId) is { } action)
            record.ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = action };
        return record;
    }

    public static ErrorRecord Create(string errorId, ErrorKind kind, string message, object? target = null) =>
        From(new BedrockCostException(errorId, kind, message, target));

    /// <summary>
    /// An exception the module did not turn into one of its own errors: what was being done, a request to report
    /// it, the original as the inner exception; its first message line only, never a stack trace.
    /// </summary>
    public static ErrorRecord Unexpected(Exception e, string activity)
    {
        if (e is AggregateException { InnerExceptions.Count: > 0 } a) e = a.InnerExceptions[0];
        var message = $"Unexpected error while {activity}: {e.GetType().Name}: {FirstLine(e.Message)} " +
                      "The module should have explained this failure itself; please report it with the command you ran and this message.";
        return From(new BedrockCostException(ErrorIds.UnexpectedError, KindOf(e), message, null, e));
    }

    private static ErrorKind KindOf(Exception e) => e switch
    {
        ArgumentException => ErrorKind.InvalidArgument,
        UnauthorizedAccessException => ErrorKind.PermissionDenied,
        FileNotFoundException or DirectoryNotFoundException => ErrorKind.NotFound,
        IOException => ErrorKind.ReadError,
        InvalidDataException or FormatException or System.Text.Json.JsonException => ErrorKind.InvalidData,
        TimeoutException => ErrorKind.OperationTimeout,
        NotSupportedException or NotImplementedException => ErrorKind.NotImplemented,
        OutOfMemoryException or InsufficientMemoryException => ErrorKind.ResourceUnavailable,
        ArithmeticException => ErrorKind.InvalidResult,
        _ => ErrorKind.NotSpecified,
    };

    private static string FirstLine(string text)
    {
        var end = text.IndexOfAny(new[] { '\r', '\n' });
        return (end >= 0 ? text[..end] : text).Trim();
    }

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
        ErrorKind.ReadError => ErrorCategory.ReadError,
        ErrorKind.InvalidResult => ErrorCategory.InvalidResult,
        ErrorKind.NotSpecified => ErrorCategory.NotSpecified,
        _ => ErrorCategory.InvalidOperation,
    };

    /// <summary>Argument errors stop the command; errors of one input are written and the command goes on.</summary>
    public static bool IsTerminating(BedrockCostException e) => e.Kind is ErrorKind.InvalidArgument;
}
