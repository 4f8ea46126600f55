using WangJian.Credit.Domain;
using WangJian.Credit.Server;
using WangJian.Credit.Server.Http;

try
{
    var app = await ServerHost.BuildAsync(args);
    await app.StartAsync();
    // Plain lines that scripts and tests can wait for: the gRPC addresses first, then REST/JSON.
    var listeners = app.Services.GetRequiredService<Listeners>();
    Console.WriteLine($"WangJian.Credit REST/JSON on {string.Join(", ", listeners.HttpUrls)} (OpenAPI {JsonApi.DocumentPath}, reference /{JsonApi.DocsPath})");
    Console.WriteLine($"WangJian.Credit listening on {string.Join(", ", listeners.GrpcUrls)}");
    await app.WaitForShutdownAsync();
    return 0;
}
catch (Exception e) when (e is PolicyException or InvalidOperationException)
{
    Console.Error.WriteLine($"wangjian-credit: cannot start: {e.Message}");
    return 2;
}
