namespace WangJian.Credit.Cli;

/// <summary>A bad command line or input file found before any call: exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
