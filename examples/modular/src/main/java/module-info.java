/** panio's examples, as a user's module: each class is a small complete program. */
module com.example.panio {
    requires dev.panio;
}
