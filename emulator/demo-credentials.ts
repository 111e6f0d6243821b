// The demo world's ids and fake credentials as constants, so tests and docs need not repeat them.
/** Ids and emulator-only fake credentials of the demo world (emulator/worlds/demo.json), for tests and docs. */
export const DEMO = {
  region: "cn-hangzhou",
  otherRegion: "cn-shanghai",
  owner: { accountId: "1111111111111111", accessKeyId: "LTAI-demo-owner", accessKeySecret: "demo-owner-secret" },
  workload: {
    accountId: "2222222222222222",
    accessKeyId: "LTAI-demo-workload",
    accessKeySecret: "demo-workload-secret",
    vSwitchId: "vsw-demo-workload-h",
    vSwitchIdShanghai: "vsw-demo-workload-sh-b",
    securityGroupId: "sg-demo-workload",
    keyPairName: "demo-workload-key",
    kmsKeyId: "key-demo-workload-hz",
  },
  /** RAM user of the workload account, restricted to images owned by the owner account. */
  deployer: { ramUser: "deployer", accessKeyId: "LTAI-demo-deployer", accessKeySecret: "demo-deployer-secret" },
  sts: { accessKeyId: "STS.demo-workload", accessKeySecret: "demo-sts-secret", securityToken: "demo-sts-token" },
  thirdParty: {
    accountId: "3333333333333333",
    accessKeyId: "LTAI-demo-thirdparty",
    accessKeySecret: "demo-thirdparty-secret",
  },
  images: {
    plain: "m-demogoldenplain01",
    encrypted: "m-demogoldenenc01",
    paid: "m-demogoldenpaid01",
    unapproved: "m-demothirdparty01",
    publicLinux: "aliyun_3_x64_20g_alibase_20240819.vhd",
  },
  ownerKmsKeyId: "key-demo-owner-hz",
} as const;
