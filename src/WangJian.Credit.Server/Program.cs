using WangJian.Credit.Domain;
using WangJian.Credit.Server;

try
{
    var app = await ServerHost.BuildAsync(args);
    await app.StartAsync();
    // One plain line that scripts and tests can wait for.
    Console.WriteLine($"WangJian.Credit listening on {string.Join(", ", app.Urls)}");
    await app.WaitForShutdownAsync();
    return 0;
}
catch (Exception e) when (e is PolicyException or InvalidOperationException)
{
    Console.Error.WriteLine($"wangjian-credit: cannot start: {e.Message}");
    return 2;
}
