namespace WangJian.Credit.Cli;

/// <summary>Exit codes scripts can rely on (README.md of this project lists them).</summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Ok = 0;

    /// <summary>Anything unexpected: a server-side INTERNAL, UNIMPLEMENTED, a bug.</summary>
    public const int Unexpected = 1;

    /// <summary>Bad command line: unknown option, missing argument, unreadable file, bad date.</summary>
    public const int Usage = 2;

    /// <summary>The server answered INVALID_ARGUMENT (or OUT_OF_RANGE); its field violations are printed.</summary>
    public const int InvalidArgument = 3;

    /// <summary>UNAUTHENTICATED or PERMISSION_DENIED.</summary>
    public const int Denied = 4;

    /// <summary>NOT_FOUND, FAILED_PRECONDITION or ALREADY_EXISTS.</summary>
    public const int NotFoundOrPrecondition = 5;

    /// <summary>Cannot connect, UNAVAILABLE, DEADLINE_EXCEEDED.</summary>
    public const int Unavailable = 6;

    /// <summary>import only: the import completed but some rows were rejected (by the server or locally).</summary>
    public const int ImportRejectedRows = 7;

    /// <summary>Interrupted by Ctrl+C or SIGTERM (watch exits 0 instead: that is how it ends).</summary>
    public const int Interrupted = 130;
}
