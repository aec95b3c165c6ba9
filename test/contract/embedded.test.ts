import { embeddedFactory } from '../support/fixtures.js';
import { graphStoreContract } from './graph-store.contract.js';
import { propagationContract } from './propagation.contract.js';

graphStoreContract(embeddedFactory);
propagationContract(embeddedFactory);
