using System.Reflection;
using System.Runtime.CompilerServices;

namespace Backprop.ExtensionTests;

/// <summary>This project stands for a user's: it must see the library only as a user does.</summary>
public class InternalsGrantTests
{
    [Fact]
    public void The_library_grants_this_assembly_no_internals()
    {
        var library = typeof(Tensor).Assembly;
        string self = typeof(InternalsGrantTests).Assembly.GetName().Name!;
        var granted = library.GetCustomAttributes<InternalsVisibleToAttribute>().Select(a => a.AssemblyName.Split(',')[0].Trim()).ToList();
        Assert.NotEmpty(granted); // the attribute is read: the library does grant its own test projects
        Assert.DoesNotContain(self, granted);
    }

    [Fact]
    public void Node_backward_stays_internal_so_a_function_is_the_only_way_in()
    {
        var backward = typeof(Node).GetMethod("Backward", BindingFlags.Instance | BindingFlags.NonPublic)!;
        Assert.True(backward.IsAssembly); // internal: a Node subclass cannot be written outside the library
        Assert.True(typeof(Function).IsPublic && typeof(Function).IsAbstract);
    }
}
