using System.CommandLine;

namespace WangJian.Credit.LoadGen;

/// <summary>Options shared by the commands that call the real server.</summary>
public static class Common
{
    public static Option<string> Server() => new("--server")
    {
        Description = "Server address (h2c)",
        DefaultValueFactory = _ => "http://127.0.0.1:5080",
    };

    public static Option<string> Tokens() => new("--tokens")
    {
        Description = "The server's <data dir>/dev-tokens.json",
        Required = true,
    };

    public static Option<int> Concurrency(int value) => new("--concurrency", "-c")
    {
        Description = "Calls in flight at once",
        DefaultValueFactory = _ => value,
    };

    public static Option<int?> ServerPid() => new("--server-pid")
    {
        Description = "Server process id, to read its resident memory from /proc/<pid>/status",
    };
}
