// Compiles each folder's saved snippet into <folder>/classes in this one JVM, so that a batch
// of snippets costs one JVM start and one warm compiler instead of one launch each.
//   java BatchCompile.java <class path> <file name> <folder>...

import java.io.File;
import java.io.StringWriter;
import java.util.List;
import javax.tools.ToolProvider;

public class BatchCompile {
  public static void main(String[] args) {
    var compiler = ToolProvider.getSystemJavaCompiler();
    int failed = 0;
    for (int i = 2; i < args.length; i++) {
      var errors = new StringWriter();
      var source = new File(args[i], args[1]);
      var options =
          List.of("-cp", args[0], "-d", new File(args[i], "classes").getPath(), "-encoding", "UTF-8");
      var files = compiler.getStandardFileManager(null, null, null).getJavaFileObjects(source);
      if (!compiler.getTask(errors, null, null, options, null, files).call()) {
        System.err.println(source + " does not build:\n" + errors);
        failed++;
      }
    }
    System.exit(failed == 0 ? 0 : 1);
  }
}
