// Custom resource handler (Node.js 22, AWS SDK v3 from the runtime) for the
// secrets CloudFormation cannot create without writing them into the
// template: a random value stored as an SSM SecureString parameter (the
// free profile's key-encryption key, the CloudFront origin secret), and the
// Cognito app client's secret read back from the pool. Values are returned
// with NoEcho so CloudFormation never displays or logs them.
//
// Properties:
//   Kind: "RandomSecureParameter" | "UserPoolClientSecret"
//   RandomSecureParameter: Name, Bytes (default 32), KeyId (optional),
//     ReturnValue ("true" to return the value as attribute Value),
//     DeleteOnRemove ("true" to delete the parameter with the resource).
//     An existing parameter is never overwritten: a key-encryption key that
//     already wraps data keys must survive a stack re-creation.
//   UserPoolClientSecret: UserPoolId, ClientId; returns attribute Value.
'use strict';
const crypto = require('node:crypto');
const { SSMClient, PutParameterCommand, GetParameterCommand, DeleteParameterCommand } = require('@aws-sdk/client-ssm');
const { CognitoIdentityProviderClient, DescribeUserPoolClientCommand } = require('@aws-sdk/client-cognito-identity-provider');

const ssm = new SSMClient({});
const idp = new CognitoIdentityProviderClient({});

async function readParameter(name) {
  const out = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
  return out.Parameter.Value;
}

async function randomSecureParameter(event) {
  const p = event.ResourceProperties;
  const name = p.Name;
  if (event.RequestType === 'Delete') {
    if (p.DeleteOnRemove === 'true') {
      try {
        await ssm.send(new DeleteParameterCommand({ Name: name }));
      } catch (e) {
        if (e.name !== 'ParameterNotFound') throw e;
      }
    }
    return { PhysicalResourceId: event.PhysicalResourceId };
  }
  let value;
  if (event.RequestType === 'Update' && event.OldResourceProperties.Name === name) {
    value = await readParameter(name);
  } else {
    value = crypto.randomBytes(Number(p.Bytes || 32)).toString('base64url');
    try {
      await ssm.send(new PutParameterCommand({
        Name: name,
        Type: 'SecureString',
        Tier: 'Standard',
        Value: value,
        Overwrite: false,
        KeyId: p.KeyId || undefined,
        Description: p.Description || undefined,
      }));
    } catch (e) {
      if (e.name !== 'ParameterAlreadyExists') throw e;
      value = await readParameter(name);
    }
  }
  return {
    PhysicalResourceId: name,
    Data: p.ReturnValue === 'true' ? { Value: value } : {},
    NoEcho: true,
  };
}

async function userPoolClientSecret(event) {
  const p = event.ResourceProperties;
  const id = `${p.UserPoolId}/${p.ClientId}`;
  if (event.RequestType === 'Delete') {
    return { PhysicalResourceId: event.PhysicalResourceId };
  }
  const out = await idp.send(new DescribeUserPoolClientCommand({ UserPoolId: p.UserPoolId, ClientId: p.ClientId }));
  return { PhysicalResourceId: id, Data: { Value: out.UserPoolClient.ClientSecret }, NoEcho: true };
}

exports.handler = async (event) => {
  switch (event.ResourceProperties.Kind) {
    case 'RandomSecureParameter':
      return randomSecureParameter(event);
    case 'UserPoolClientSecret':
      return userPoolClientSecret(event);
    default:
      throw new Error(`unknown Kind ${event.ResourceProperties.Kind}`);
  }
};
