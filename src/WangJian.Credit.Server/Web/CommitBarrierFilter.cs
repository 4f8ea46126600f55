using System.Reflection;
using Grpc.Core;
using Microsoft.AspNetCore.Mvc.Filters;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Server.Grpc;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Web;

/// <summary>Marks a console page whose forms write: its POSTs are answered after the commit barrier.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ConsoleWritesAttribute : Attribute
{
}

/// <summary>
/// The console's side of the one rule for writes (CommitBarrierInterceptor is the API's): a form POST of a
/// page marked <see cref="ConsoleWritesAttribute"/> is answered — its redirect, or the page with the refusal —
/// only after <see cref="DurableWrites.WaitAsync"/>, so what the next page shows is on disk.
/// </summary>
public sealed class CommitBarrierFilter(DurableWrites durable) : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        await next();
        if (HttpMethods.IsPost(context.HttpContext.Request.Method)
            && context.HandlerInstance.GetType().GetCustomAttribute<ConsoleWritesAttribute>() is not null)
        {
            await durable.WaitAsync();
        }
    }
}

/// <summary>A refusal of the use cases, as the API would answer it.</summary>
public static class ConsoleErrors
{
    /// <summary>The refusal as an RpcException (a grain's refusal mapped as ErrorInterceptor maps it); null for a fault.</summary>
    public static RpcException? AsRefusal(Exception e) => e switch
    {
        RpcException r => r,
        CommandFailedException c => GrpcErrors.FromCommand(c.Error),
        _ => null,
    };
}
