// Every test process: never let a credential chain reach the ECS metadata service or a user's profile.
process.env.ALIBABA_CLOUD_ECS_METADATA_DISABLED = "true";
process.env.ALIBABA_CLOUD_CREDENTIALS_FILE = "/nonexistent/alibabacloud-credentials";
